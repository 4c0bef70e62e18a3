package verify

import (
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
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// skipIfShort keeps `make unit` (go test -short) to the tests that need no rig.
func skipIfShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the AWS stand-in (moto): not run with -short")
	}
}

const (
	region = "eu-west-1"
	bucket = "golden-provenance"
)

// world is one rig with a bucket, an EBS key and a signing key in region.
type world struct {
	rig     *awstest.Rig
	ec2     *ec2.Client
	s3      *s3.Client
	kms     *kms.Client
	ebsKey  string // ARN of the symmetric key the AMIs are encrypted with
	signRef string // alias of the signing key
	signer  *kmssign.KMS
	stores  []attestore.Store
}

func newWorld(t *testing.T) *world {
	t.Helper()
	skipIfShort(t)
	rig := awstest.Shared(t)
	ctx := t.Context()
	w := &world{
		rig: rig,
		ec2: ec2.NewFromConfig(rig.Config(region)),
		s3:  s3.NewFromConfig(rig.Config(region), awstest.S3PathStyle),
		kms: kms.NewFromConfig(rig.Config(region)),
	}
	if _, err := w.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}}); err != nil {
		t.Fatal(err)
	}
	w.ebsKey = w.rig.CreateKey(t, region, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, "alias/golden-ebs")
	w.rig.CreateKey(t, region, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "alias/golden-provenance")
	w.signRef = "alias/golden-provenance"
	var err error
	if w.signer, err = kmssign.NewKMS(ctx, w.kms, w.signRef); err != nil {
		t.Fatal(err)
	}
	st, err := attestore.NewS3Store(w.s3, bucket, "golden", "")
	if err != nil {
		t.Fatal(err)
	}
	w.stores = []attestore.Store{st}
	return w
}

func (w *world) ssmStore(t *testing.T) attestore.Store {
	t.Helper()
	st, err := attestore.NewSSMStore(ssm.NewFromConfig(w.rig.Config(region)), "/golden/provenance")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// copyImage makes an encrypted AMI named name, as golden-seal's copy does.
func (w *world) copyImage(t *testing.T, name string) *ec2types.Image {
	t.Helper()
	out, err := w.ec2.CopyImage(t.Context(), &ec2.CopyImageInput{
		SourceImageId: aws.String(awstest.SourceAMIID), SourceRegion: aws.String(region),
		Name: aws.String(name), Encrypted: aws.Bool(true), KmsKeyId: aws.String(w.ebsKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w.describe(t, aws.ToString(out.ImageId))
}

func (w *world) describe(t *testing.T, imageID string) *ec2types.Image {
	t.Helper()
	out, err := w.ec2.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{imageID}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("describing %s: %v", imageID, err)
	}
	return &out.Images[0]
}

// seal copies and signs an AMI and tags it with its pointer, as golden-seal
// does, and returns its id.
func (w *world) seal(t *testing.T, name string, signer dsse.Signer) string {
	t.Helper()
	img := w.copyImage(t, name)
	id := aws.ToString(img.ImageId)
	env := w.envelope(t, img, signer)
	saved, err := attestore.Save(t.Context(), w.stores, region, id, env)
	if err != nil {
		t.Fatal(err)
	}
	w.tag(t, id, saved.Pointer)
	return id
}

func (w *world) envelope(t *testing.T, img *ec2types.Image, signer dsse.Signer) []byte {
	t.Helper()
	run := &provenance.Run{
		BuildName:    "debian",
		InvocationID: "6f1c2a1e-93a4-4c5e-b8f5-8d1f0b5c2a10",
		StartedOn:    time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC),
		FinishedOn:   time.Date(2025, 1, 1, 10, 7, 30, 0, time.UTC),
		Source:       provenance.SourceImage{Region: region, ImageID: awstest.SourceAMIID, OwnerID: awstest.SourceAMIOwner, Name: awstest.SourceAMIName},
		Regions:      []string{region},
		KMSKeyIDs:    map[string]string{region: w.ebsKey},
		Hardening:    &provenance.Hardening{ReportSHA256: strings.Repeat("ab", 32), Verdict: "pass"},
		Runner:       provenance.DetectRunner(func(string) string { return "" }, "test-host"),
	}
	st, err := run.Statement(ImageOf(region, img))
	if err != nil {
		t.Fatal(err)
	}
	e, err := provenance.Sign(t.Context(), st, signer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := provenance.MarshalEnvelope(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (w *world) tag(t *testing.T, imageID string, p attestore.Pointer) {
	t.Helper()
	tags, err := p.Tags()
	if err != nil {
		t.Fatal(err)
	}
	var ec2tags []ec2types.Tag
	for _, tag := range tags {
		ec2tags = append(ec2tags, ec2types.Tag{Key: aws.String(tag.Key), Value: aws.String(tag.Value)})
	}
	if _, err := w.ec2.CreateTags(t.Context(), &ec2.CreateTagsInput{Resources: []string{imageID}, Tags: ec2tags}); err != nil {
		t.Fatal(err)
	}
}

func (w *world) tags(t *testing.T, imageID string) map[string]string {
	t.Helper()
	return tagMap(w.describe(t, imageID).Tags)
}

func (w *world) pointer(t *testing.T, imageID string) attestore.Pointer {
	t.Helper()
	p, err := attestore.ParsePointer(w.tags(t, imageID))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) reader(t *testing.T) *attestore.Reader {
	t.Helper()
	r, err := attestore.NewReader(
		func(region string) *s3.Client { return s3.NewFromConfig(w.rig.Config(region), awstest.S3PathStyle) },
		func(region string) *ssm.Client { return ssm.NewFromConfig(w.rig.Config(region)) })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) checker(t *testing.T, verifiers ...dsse.Verifier) *Checker {
	t.Helper()
	if len(verifiers) == 0 {
		verifiers = []dsse.Verifier{w.signer}
	}
	return New(func(region string) *ec2.Client { return ec2.NewFromConfig(w.rig.Config(region)) }, w.reader(t), verifiers...)
}

func (w *world) putObject(t *testing.T, loc attestore.Location, body []byte) {
	t.Helper()
	if _, err := w.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name), Body: strings.NewReader(string(body))}); err != nil {
		t.Fatal(err)
	}
}

func (w *world) getObject(t *testing.T, loc attestore.Location) []byte {
	t.Helper()
	b, err := w.reader(t).Get(t.Context(), loc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
