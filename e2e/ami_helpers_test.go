package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

// lifecycleNeedsRig keeps the golden-ami and retention tests out of `make
// unit` (go test -short): they need packer, the amazon plugin and moto.
func lifecycleNeedsRig(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs packer, the amazon plugin and moto: not run with -short")
	}
}

// goldenFamily is a family of golden images made in one region as golden-seal
// makes them, so that a test controls each image's defects exactly: an
// encrypted copy of the seeded AMI tagged with the family and the sealed mark,
// a provenance record signed with a KMS key and stored in S3, and the pointer
// tags.
type goldenFamily struct {
	name     string
	region   string
	ec2      *ec2.Client
	kms      *kms.Client
	s3       *s3.Client
	ebsKey   string // ARN of alias/golden-ami, which encrypts the images
	otherKey string // ARN of another symmetric key
	signer   *kmssign.KMS
	stores   []attestore.Store
}

const (
	familyBucket   = "golden-provenance"
	familyEBSAlias = "alias/golden-ami"
	familySignKey  = "alias/golden-provenance"
)

func newGoldenFamily(t *testing.T, rig *awstest.Rig, name, region string) *goldenFamily {
	t.Helper()
	ctx := t.Context()
	f := &goldenFamily{
		name: name, region: region,
		ec2: ec2.NewFromConfig(rig.Config(region)), kms: kms.NewFromConfig(rig.Config(region)),
		s3: s3.NewFromConfig(rig.Config(region), awstest.S3PathStyle),
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(familyBucket)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := f.s3.CreateBucket(ctx, in); err != nil {
		t.Fatal(err)
	}
	f.ebsKey = rig.CreateKey(t, region, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, familyEBSAlias)
	f.otherKey = rig.CreateKey(t, region, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, "")
	rig.CreateKey(t, region, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, familySignKey)
	var err error
	if f.signer, err = kmssign.NewKMS(ctx, f.kms, familySignKey); err != nil {
		t.Fatal(err)
	}
	st, err := attestore.NewS3Store(f.s3, familyBucket, "golden", "")
	if err != nil {
		t.Fatal(err)
	}
	f.stores = []attestore.Store{st}
	return f
}

// member is one image to make; the zero value is a sealed, encrypted image
// with provenance whose hardening passed.
type member struct {
	name      string
	verdict   string // hardening verdict in the record; "" for pass
	key       string // the key that encrypts it; "" for ebsKey, "none" for unencrypted
	status    string // golden:seal-status; "" for sealed
	family    string // golden:family; "" for the family's name
	noRecord  bool   // no provenance record, no pointer tags
	extraTags map[string]string
}

// add makes the image and returns its id. EC2 reports creation times to the
// second, so add waits for the next second before each image.
func (f *goldenFamily) add(t *testing.T, m member) string {
	t.Helper()
	ctx := t.Context()
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	tags := map[string]string{family.Tag: f.name, imagecopy.TagStatus: imagecopy.StatusSealed, "Environment": "prod"}
	if m.family != "" {
		tags[family.Tag] = m.family
	}
	if m.status != "" {
		tags[imagecopy.TagStatus] = m.status
	}
	for k, v := range m.extraTags {
		tags[k] = v
	}
	in := &ec2.CopyImageInput{
		SourceImageId: aws.String(awstest.SourceAMIID), SourceRegion: aws.String(f.region), Name: aws.String(m.name),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: ec2Tags(tags)}},
	}
	switch m.key {
	case "":
		in.Encrypted, in.KmsKeyId = aws.Bool(true), aws.String(f.ebsKey)
	case "none":
	default:
		in.Encrypted, in.KmsKeyId = aws.Bool(true), aws.String(m.key)
	}
	out, err := f.ec2.CopyImage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.ImageId)
	if m.noRecord {
		return id
	}
	env := f.envelope(t, f.describe(t, id), m.verdict)
	saved, err := attestore.Save(ctx, f.stores, f.region, id, env)
	if err != nil {
		t.Fatal(err)
	}
	f.tagPointer(t, id, saved.Pointer)
	return id
}

func (f *goldenFamily) describe(t *testing.T, id string) *ec2types.Image {
	t.Helper()
	out, err := f.ec2.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("describing %s: %v", id, err)
	}
	return &out.Images[0]
}

// envelope signs the record golden-seal would write for img.
func (f *goldenFamily) envelope(t *testing.T, img *ec2types.Image, verdict string) []byte {
	t.Helper()
	if verdict == "" {
		verdict = "pass"
	}
	run := &provenance.Run{
		BuildName: "debian", InvocationID: "6f1c2a1e-93a4-4c5e-b8f5-8d1f0b5c2a10",
		StartedOn: time.Now().Add(-10 * time.Minute), FinishedOn: time.Now(),
		Source:  provenance.SourceImage{Region: f.region, ImageID: awstest.SourceAMIID, OwnerID: awstest.SourceAMIOwner, Name: awstest.SourceAMIName},
		Regions: []string{f.region}, KMSKeyIDs: map[string]string{f.region: f.ebsKey},
		Hardening: &provenance.Hardening{ReportSHA256: strings.Repeat("ab", 32), Verdict: verdict},
		Runner:    provenance.DetectRunner(func(string) string { return "" }, "golden-ci"),
	}
	st, err := run.Statement(verify.ImageOf(f.region, img))
	if err != nil {
		t.Fatal(err)
	}
	e, err := provenance.Sign(t.Context(), st, f.signer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := provenance.MarshalEnvelope(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *goldenFamily) tagPointer(t *testing.T, id string, p attestore.Pointer) {
	t.Helper()
	tags, err := p.Tags()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, tg := range tags {
		m[tg.Key] = tg.Value
	}
	f.tag(t, id, m)
}

func (f *goldenFamily) tag(t *testing.T, id string, tags map[string]string) {
	t.Helper()
	if _, err := f.ec2.CreateTags(t.Context(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(tags)}); err != nil {
		t.Fatal(err)
	}
}

func (f *goldenFamily) pointer(t *testing.T, id string) attestore.Pointer {
	t.Helper()
	tags := map[string]string{}
	for _, tg := range f.describe(t, id).Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	p, err := attestore.ParsePointer(tags)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tamper rewrites the record of id with its hardening verdict changed to
// "pass", and the sha256 tag to match: only the signature still tells.
func (f *goldenFamily) tamper(t *testing.T, id string) {
	t.Helper()
	p := f.pointer(t, id)
	loc := p.Locations[0]
	obj, err := f.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(obj.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(payload), `"verdict":"fail"`, `"verdict":"pass"`, 1)
	if changed == string(payload) {
		t.Fatal("the record of the image to tamper with has no failing verdict")
	}
	env["payload"] = base64.StdEncoding.EncodeToString([]byte(changed))
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name), Body: strings.NewReader(string(b))}); err != nil {
		t.Fatal(err)
	}
	p.SHA256 = sha256Hex(b)
	f.tagPointer(t, id, p)
}

// deprecate sets id's deprecation time to the earliest minute EC2 takes
// (it rounds to the minute and refuses the past), and returns it.
func (f *goldenFamily) deprecate(t *testing.T, id string) time.Time {
	t.Helper()
	at := time.Now().Truncate(time.Minute).Add(time.Minute)
	if time.Until(at) < 2*time.Second {
		at = at.Add(time.Minute)
	}
	if _, err := f.ec2.EnableImageDeprecation(t.Context(), &ec2.EnableImageDeprecationInput{ImageId: aws.String(id), DeprecateAt: aws.Time(at)}); err != nil {
		t.Fatal(err)
	}
	return at
}

func ec2Tags(tags map[string]string) []ec2types.Tag {
	var out []ec2types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
