package ami

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

const (
	region = "eu-west-1"
	keyARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeEC2 serves images and the snapshots this account can see, and records the requests.
type fakeEC2 struct {
	images    []ec2types.Image
	snapshots map[string]string // id → key ARN
	imagesIn  []*ec2.DescribeImagesInput
	snapsIn   []*ec2.DescribeSnapshotsInput
}

func (f *fakeEC2) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	f.imagesIn = append(f.imagesIn, in)
	return &ec2.DescribeImagesOutput{Images: f.images}, nil
}

func (f *fakeEC2) DescribeSnapshots(_ context.Context, in *ec2.DescribeSnapshotsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error) {
	f.snapsIn = append(f.snapsIn, in)
	var out []ec2types.Snapshot
	for _, id := range in.Filters[0].Values {
		if k, ok := f.snapshots[id]; ok {
			out = append(out, ec2types.Snapshot{SnapshotId: aws.String(id), Encrypted: aws.Bool(true), KmsKeyId: aws.String(k)})
		}
	}
	return &ec2.DescribeSnapshotsOutput{Snapshots: out}, nil
}

type fakeKMS struct{ aliases map[string]string }

func (f fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	arn, ok := f.aliases[aws.ToString(in.KeyId)]
	if !ok {
		return nil, &kmstypes.NotFoundException{Message: aws.String("alias not found")}
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{Arn: aws.String(arn)}}, nil
}

// fakeVerifier answers per image: a verdict, or a rejection.
type fakeVerifier struct {
	verdicts map[string]string
	asked    []string
}

func (f *fakeVerifier) Image(_ context.Context, r, id string) (*verify.Result, error) {
	f.asked = append(f.asked, id)
	v, ok := f.verdicts[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s in %s: the envelope at s3://b/k has sha256 1, but the tag says 2", verify.ErrRejected, id, r)
	}
	return &verify.Result{Region: r, ImageID: id, Location: "s3://b/" + id, Summary: provenance.Summary{
		BuilderID: "urn:golden:host:ci", HardeningVerdict: v, KMSKeyID: keyARN, SourceImageID: "ami-src", FinishedOn: now.Add(-time.Hour),
	}}, nil
}

func image(id string, daysAgo int, status string) ec2types.Image {
	return ec2types.Image{
		ImageId: aws.String(id), Name: aws.String("debian-" + id), OwnerId: aws.String("123456789012"), State: ec2types.ImageStateAvailable,
		CreationDate: aws.String(now.Add(-time.Duration(daysAgo) * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")),
		Tags:         []ec2types.Tag{{Key: aws.String(family.Tag), Value: aws.String("debian")}, {Key: aws.String("golden:seal-status"), Value: aws.String(status)}},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String("snap-" + id), Encrypted: aws.Bool(true)}}},
	}
}

func testClients(e *fakeEC2, v *fakeVerifier) clients {
	return clients{
		region: region,
		ec2:    func(string) ec2API { return e },
		kms:    func(string) kmsAPI { return fakeKMS{aliases: map[string]string{"alias/golden-ami": keyARN}} },
		verifier: func(context.Context, []dsse.Verifier, []string) (imageVerifier, error) {
			return v, nil
		},
		kmsVerifier: func(context.Context, string, string) (dsse.Verifier, error) { return nil, nil },
	}
}

func prepared(t *testing.T, raw map[string]interface{}) *Config {
	t.Helper()
	var c Config
	if err := c.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestPick(t *testing.T) {
	e := &fakeEC2{
		images:    []ec2types.Image{image("ami-old", 30, "sealed"), image("ami-good", 20, "sealed"), image("ami-tampered", 10, "sealed"), image("ami-copying", 1, "copying")},
		snapshots: map[string]string{"snap-ami-old": keyARN, "snap-ami-good": keyARN, "snap-ami-tampered": keyARN},
	}
	v := &fakeVerifier{verdicts: map[string]string{"ami-old": "pass", "ami-good": "warn"}}
	c := prepared(t, map[string]interface{}{
		"family": "debian", "require_encrypted_with": []string{"alias/golden-ami"}, "require_hardening_verdict": ">= warn",
		"require_provenance": map[string]interface{}{"kms_key_id": "alias/golden-provenance"},
	})
	out, err := c.pick(t.Context(), testClients(e, v), now)
	if err != nil {
		t.Fatal(err)
	}
	want := DatasourceOutput{
		ID: "ami-good", Name: "debian-ami-good", CreationDate: "2026-02-09T12:00:00.000Z", Owner: "123456789012", Region: region, Family: "debian",
		Tags: map[string]string{family.Tag: "debian", "golden:seal-status": "sealed"}, KMSKeyIDs: []string{keyARN}, SourceAMI: "ami-src",
		Provenance: ProvenanceOutput{Verified: true, Builder: "urn:golden:host:ci", BuildTime: "2026-03-01T11:00:00Z", HardeningVerdict: "warn", Location: "s3://b/ami-good"},
		Rejected: []RejectedOutput{
			{ID: "ami-copying", Name: "debian-ami-copying", CreationDate: "2026-02-28T12:00:00.000Z", Requirement: "family",
				Reason: `tag golden:seal-status is "copying", want "sealed": the image is not (yet) complete`},
			{ID: "ami-tampered", Name: "debian-ami-tampered", CreationDate: "2026-02-19T12:00:00.000Z", Requirement: "require_provenance",
				Reason: "ami-tampered in eu-west-1: the envelope at s3://b/k has sha256 1, but the tag says 2"},
		},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ami-tampered", "ami-good"}, v.asked); diff != "" {
		t.Errorf("verified (-want +got):\n%s", diff)
	}
	in := e.imagesIn[0]
	if diff := cmp.Diff([]string{"self"}, in.Owners); diff != "" || !aws.ToBool(in.IncludeDeprecated) || len(in.Filters) != 1 ||
		aws.ToString(in.Filters[0].Name) != "tag:golden:family" || in.Filters[0].Values[0] != "debian" {
		t.Errorf("DescribeImages input %+v", in)
	}
}

func TestPickNone(t *testing.T) {
	e := &fakeEC2{images: []ec2types.Image{image("ami-a", 2, "sealed"), image("ami-b", 1, "sealed")}, snapshots: map[string]string{"snap-ami-a": "arn:aws:kms:eu-west-1:123456789012:key/other"}}
	c := prepared(t, map[string]interface{}{"family": "debian", "require_encrypted_with": []string{"alias/golden-ami"}})
	_, err := c.pick(t.Context(), testClients(e, nil), now)
	want := `golden-ami in eu-west-1, family "debian", owners [self]: no image meets the requirements: 2 candidates, each rejected:
  ami-b (debian-ami-b, created 2026-02-28T12:00:00Z): require_encrypted_with: the key of snapshot snap-ami-b is not visible to this account: add require_provenance, whose record names the key
  ami-a (debian-ami-a, created 2026-02-27T12:00:00Z): `
	if !errors.Is(err, family.ErrNoImage) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to start with:\n%s", err, want)
	}
}

func TestPickFailures(t *testing.T) {
	e := &fakeEC2{}
	c := prepared(t, map[string]interface{}{"family": "debian", "require_encrypted_with": []string{"alias/missing"}})
	if _, err := c.pick(t.Context(), testClients(e, nil), now); err == nil || !strings.Contains(err.Error(), "require_encrypted_with: looking up alias/missing in eu-west-1") {
		t.Errorf("unknown alias: %v", err)
	}
	cl := testClients(e, nil)
	cl.region = ""
	if _, err := prepared(t, map[string]interface{}{"family": "debian"}).pick(t.Context(), cl, now); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no region: %v", err)
	}
	c = prepared(t, map[string]interface{}{"family": "debian", "filters": map[string]string{"name": "debian-*", "architecture": "x86_64"}, "owners": []string{"self", "136693071363"}})
	_, err := c.pick(t.Context(), testClients(e, nil), now)
	want := `golden-ami in eu-west-1, family "debian", owners [136693071363 self], filters architecture=x86_64 name=debian-*: no image meets the requirements: there is no candidate: check family, filters, owners and region`
	if !errors.Is(err, family.ErrNoImage) || err.Error() != want {
		t.Errorf("no image:\n%v\nwant:\n%s", err, want)
	}
}
