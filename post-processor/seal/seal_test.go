package seal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

const account = "123456789012"

func arn(region string) string { return "arn:aws:kms:" + region + ":" + account + ":key/k-" + region }

// sealedID is the id of the fake copy in region: a valid AMI id, as provenance needs.
func sealedID(region string) string {
	sum := sha256.Sum256([]byte(region))
	return "ami-" + hex.EncodeToString(sum[:])[:17]
}

func sealedSnapshot(region string) string { return "snap-" + sealedID(region)[4:] }

// fakeCopier records the calls the steps make of imagecopy.
type fakeCopier struct {
	mu        sync.Mutex
	calls     []string
	runErr    error
	markErr   error
	removeOK  bool
	leftovers imagecopy.Report           // what CleanLeftovers reports
	images    map[string]imagecopy.Image // what Describe says, by id; others are the account's, available
}

func (f *fakeCopier) log(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeCopier) Describe(_ context.Context, region, id string) (imagecopy.Image, error) {
	f.log("Describe " + region)
	if img, ok := f.images[id]; ok {
		return img, nil
	}
	return imagecopy.Image{Region: region, ID: id, Name: "build", OwnerID: account, State: "available",
		Snapshots: []imagecopy.Snapshot{{ID: "snap-" + id}}}, nil
}

func (f *fakeCopier) CleanLeftovers(_ context.Context, regions []string) (imagecopy.Report, error) {
	f.log("CleanLeftovers " + strings.Join(regions, ","))
	return f.leftovers, nil
}

func (f *fakeCopier) Run(_ context.Context, jobs []imagecopy.Job) ([]*imagecopy.Copy, error) {
	var copies []*imagecopy.Copy
	for _, j := range jobs {
		f.log("Run " + j.Region + " " + j.Name + " " + j.KMSKeyARN)
		copies = append(copies, &imagecopy.Copy{Job: j, Verified: f.runErr == nil,
			Image: imagecopy.Image{Region: j.Region, ID: sealedID(j.Region), Snapshots: []imagecopy.Snapshot{{ID: sealedSnapshot(j.Region)}}}})
	}
	return copies, f.runErr
}

func (f *fakeCopier) Rollback(_ context.Context, copies []*imagecopy.Copy) (imagecopy.Report, error) {
	f.log("Rollback")
	return imagecopy.Report{}, nil
}

func (f *fakeCopier) MarkSealed(context.Context, []*imagecopy.Copy) error {
	f.log("MarkSealed")
	return f.markErr
}

func (f *fakeCopier) Remove(_ context.Context, img imagecopy.Image) ([]string, error) {
	f.log("Remove " + img.ID)
	if !f.removeOK {
		return nil, errors.New("UnauthorizedOperation")
	}
	return []string{img.ID}, nil
}

// fakeAWS answers the steps' own calls.
type fakeAWS struct {
	mu      sync.Mutex
	keys    map[string]kmstypes.KeyMetadata // by region; absent: NotFound
	shared  []string
	tagged  map[string][]ec2types.Tag // by image id
	tagErrs map[string]error          // CreateTags fails in these regions
}

func (f *fakeAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String(account), Arn: aws.String("arn:aws:iam::" + account + ":user/ci")}, nil
}

type fakeKMS struct {
	*fakeAWS
	region string
}

func (f fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	m, ok := f.keys[f.region]
	if !ok {
		return nil, &kmstypes.NotFoundException{Message: aws.String("Alias " + aws.ToString(in.KeyId) + " is not found.")}
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &m}, nil
}

func (f fakeKMS) GetKeyPolicy(context.Context, *kms.GetKeyPolicyInput, ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	return &kms.GetKeyPolicyOutput{Policy: aws.String(`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + account + `:root"}, "Action": "kms:*"}]}`)}, nil
}

type fakeEC2 struct {
	*fakeAWS
	region string
}

// DescribeImages finds no image by name, and describes a sealed copy by id.
func (f fakeEC2) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	if len(in.ImageIds) != 1 || in.ImageIds[0] != sealedID(f.region) {
		return &ec2.DescribeImagesOutput{}, nil
	}
	return &ec2.DescribeImagesOutput{Images: []ec2types.Image{{
		ImageId: aws.String(sealedID(f.region)), OwnerId: aws.String(account), Name: aws.String("golden-" + f.region),
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String(sealedSnapshot(f.region)), Encrypted: aws.Bool(true)}}},
	}}}, nil
}

func (f fakeEC2) CreateTags(_ context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.tagErrs[f.region]; err != nil {
		return nil, err
	}
	if f.tagged == nil {
		f.tagged = map[string][]ec2types.Tag{}
	}
	for _, id := range in.Resources {
		f.tagged[id] = append(f.tagged[id], in.Tags...)
	}
	return &ec2.CreateTagsOutput{}, nil
}

func (f fakeEC2) ModifyImageAttribute(_ context.Context, in *ec2.ModifyImageAttributeInput, _ ...func(*ec2.Options)) (*ec2.ModifyImageAttributeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shared = append(f.shared, f.region+" "+aws.ToString(in.ImageId)+" "+aws.ToString(in.LaunchPermission.Add[0].UserId))
	return &ec2.ModifyImageAttributeOutput{}, nil
}

func (f fakeEC2) ModifySnapshotAttribute(context.Context, *ec2.ModifySnapshotAttributeInput, ...func(*ec2.Options)) (*ec2.ModifySnapshotAttributeOutput, error) {
	return &ec2.ModifySnapshotAttributeOutput{}, nil
}

func (f fakeEC2) EnableImageDeprecation(context.Context, *ec2.EnableImageDeprecationInput, ...func(*ec2.Options)) (*ec2.EnableImageDeprecationOutput, error) {
	return &ec2.EnableImageDeprecationOutput{}, nil
}

func goodKey(region string) kmstypes.KeyMetadata {
	return kmstypes.KeyMetadata{Arn: aws.String(arn(region)), KeyId: aws.String("k-" + region), KeyState: kmstypes.KeyStateEnabled,
		KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt, KeyManager: kmstypes.KeyManagerTypeCustomer}
}

// newTestRun is a run of golden-seal over fakes: the input artifact has an
// image in us-east-1, and the template adds eu-west-1.
func newTestRun(t *testing.T, raw map[string]interface{}) (*run, *fakeCopier, *fakeAWS, *bytes.Buffer) {
	t.Helper()
	cfg := &Config{}
	base := map[string]interface{}{"kms_key_id": "alias/golden", "regions": []string{"eu-west-1"}, "ami_name": "golden-{{ .Region }}"}
	for k, v := range raw {
		base[k] = v
	}
	if err := cfg.Prepare(base); err != nil {
		t.Fatal(err)
	}
	fc := &fakeCopier{removeOK: true}
	fa := &fakeAWS{keys: map[string]kmstypes.KeyMetadata{"us-east-1": goodKey("us-east-1"), "eu-west-1": goodKey("eu-west-1")}}
	var out bytes.Buffer
	r := &run{
		cfg: cfg, ui: &progressUI{Ui: &packersdk.BasicUi{Writer: &out, ErrorWriter: &out}}, copier: fc, runID: "run-1",
		sources: map[string]string{"us-east-1": "ami-source"}, primary: "us-east-1",
		aws: clients{
			sts: func(string) stsAPI { return fa },
			kms: func(r string) kmsAPI { return fakeKMS{fa, r} },
			ec2: func(r string) ec2API { return fakeEC2{fa, r} },
		},
	}
	return r, fc, fa, &out
}

func TestSealSteps(t *testing.T) {
	r, fc, fa, out := newTestRun(t, map[string]interface{}{"ami_users": []string{"111122223333"}})
	a, err := r.seal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Describe us-east-1",
		"CleanLeftovers eu-west-1,us-east-1",
		"Run eu-west-1 golden-eu-west-1 " + arn("eu-west-1"),
		"Run us-east-1 golden-us-east-1 " + arn("us-east-1"),
		"MarkSealed",
		"Remove ami-source",
	}
	if diff := cmp.Diff(want, fc.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if a.Id() != "eu-west-1:"+sealedID("eu-west-1")+",us-east-1:"+sealedID("us-east-1") || a.SourceAMI != "ami-source" {
		t.Errorf("artifact %q from %q", a.Id(), a.SourceAMI)
	}
	if len(fa.shared) != 2 {
		t.Errorf("shared %v, want both images with 111122223333", fa.shared)
	}
	if !strings.Contains(out.String(), "does not let account 111122223333 use it") {
		t.Errorf("no key policy warning in:\n%s", out)
	}
}

func TestSealRollsBack(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*run, *fakeCopier)
		want     string
		rollback bool
	}{
		{"a region fails", func(_ *run, c *fakeCopier) { c.runErr = errors.New("eu-west-1: copy failed") }, "eu-west-1: copy failed", true},
		{"a finisher fails", func(r *run, _ *fakeCopier) {
			r.finishers = append(r.finishers, func(context.Context, *run) error { return errors.New("signing failed") })
		}, "signing failed", true},
		{"marking fails", func(_ *run, c *fakeCopier) { c.markErr = errors.New("CreateTags throttled") }, "CreateTags throttled", true},
		{"keep_on_failure", func(r *run, c *fakeCopier) { c.runErr = errors.New("copy failed"); r.cfg.KeepOnFailure = true }, "copy failed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc, _, _ := newTestRun(t, nil)
			tt.setup(r, fc)
			_, err := r.seal(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("seal() = %v, want %q", err, tt.want)
			}
			rolled := strings.Contains(strings.Join(fc.calls, "\n"), "Rollback")
			removed := strings.Contains(strings.Join(fc.calls, "\n"), "Remove")
			if rolled != tt.rollback || removed {
				t.Errorf("calls %q: want rollback %v and the source untouched", fc.calls, tt.rollback)
			}
		})
	}
}

func TestPreflightChangesNothing(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]interface{}
		key  func(*kmstypes.KeyMetadata) // eu-west-1's key; nil: absent
		want string
	}{
		{"key not found", nil, nil, `kms key alias/golden not found in eu-west-1: create it there or set region_kms_key_ids["eu-west-1"]`},
		{"disabled", nil, func(m *kmstypes.KeyMetadata) { m.KeyState = kmstypes.KeyStateDisabled }, "kms_key_id: kms key " + arn("eu-west-1") + " in eu-west-1 is Disabled: enable it"},
		{"asymmetric", nil, func(m *kmstypes.KeyMetadata) {
			m.KeySpec, m.KeyUsage = kmstypes.KeySpecEccNistP256, kmstypes.KeyUsageTypeSignVerify
		},
			"is ECC_NIST_P256 for SIGN_VERIFY: EBS encrypts with SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT only"},
		{"in another region", nil, func(m *kmstypes.KeyMetadata) { m.Arn = aws.String(arn("us-east-1")) }, "is not in eu-west-1"},
		{"managed and shared", map[string]interface{}{"snapshot_users": []string{"111122223333"}}, func(m *kmstypes.KeyMetadata) { m.KeyManager = kmstypes.KeyManagerTypeAws },
			"is AWS managed: images encrypted with it cannot be shared"},
		{"artifact region without key", map[string]interface{}{"kms_key_id": "", "region_kms_key_ids": map[string]string{"eu-west-1": "alias/golden"}}, func(*kmstypes.KeyMetadata) {},
			"region_kms_key_ids has no key for us-east-1"},
		{"rendered tag breaks the policy", map[string]interface{}{"tags": map[string]string{"Region": "{{ .Region }}"},
			"tag_policy": map[string]interface{}{"allowed_values": map[string][]string{"Region": {"us-east-1"}}}}, func(*kmstypes.KeyMetadata) {},
			`eu-west-1: tags: tag "Region" = "eu-west-1": value not allowed by the tag policy`},
		{"rendered name is invalid", map[string]interface{}{"ami_name": "{{ .Region }}!"}, func(*kmstypes.KeyMetadata) {},
			`ami_name "eu-west-1!": AMI names are 3 to 128`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc, fa, _ := newTestRun(t, tt.raw)
			delete(fa.keys, "eu-west-1")
			if tt.key != nil {
				k := goodKey("eu-west-1")
				tt.key(&k)
				fa.keys["eu-west-1"] = k
			}
			_, err := r.seal(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "(nothing was changed)") {
				t.Fatalf("seal() = %v, want %q and nothing changed", err, tt.want)
			}
			for _, c := range fc.calls {
				if !strings.HasPrefix(c, "Describe ") {
					t.Errorf("preflight failed, yet %q", c)
				}
			}
		})
	}
}

func TestSourceLeftWhenRemovalFails(t *testing.T) {
	r, fc, _, out := newTestRun(t, nil)
	fc.removeOK = false
	if _, err := r.seal(t.Context()); err != nil {
		t.Fatalf("seal() = %v: a source that cannot be removed is a warning, the sealed images are the result", err)
	}
	if !strings.Contains(out.String(), "aws ec2 deregister-image --region us-east-1 --image-id ami-source") {
		t.Errorf("no command to finish by hand in:\n%s", out)
	}
}
