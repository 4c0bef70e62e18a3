package attestore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// sharedRig is the shared AWS stand-in; `make unit` (go test -short) runs without it.
func sharedRig(t *testing.T) *awstest.Rig {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the AWS stand-in (moto): not run with -short")
	}
	return awstest.Shared(t)
}

const (
	region  = "eu-west-1"
	imageID = "ami-0123456789abcdef0"
)

func rigReader(t *testing.T, rig *awstest.Rig, dirs ...string) *Reader {
	t.Helper()
	r, err := NewReader(
		func(region string) *s3.Client { return s3.NewFromConfig(rig.Config(region), awstest.S3PathStyle) },
		func(region string) *ssm.Client { return ssm.NewFromConfig(rig.Config(region)) },
		dirs...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestS3Store(t *testing.T) {
	rig := sharedRig(t)
	ctx := t.Context()
	c := s3.NewFromConfig(rig.Config(region), awstest.S3PathStyle)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("golden-provenance"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}}); err != nil {
		t.Fatal(err)
	}
	key, err := kms.NewFromConfig(rig.Config(region)).CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewS3Store(c, "golden-provenance", "golden/provenance", aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	envelope := []byte(`{"payloadType":"application/vnd.in-toto+json"}`)
	saved, err := Save(ctx, []Store{st}, region, imageID, envelope)
	if err != nil {
		t.Fatal(err)
	}
	loc := saved.Pointer.Locations[0]
	if want := "s3://golden-provenance/golden/provenance/eu-west-1/ami-0123456789abcdef0.intoto.json?region=eu-west-1"; loc.String() != want {
		t.Errorf("location %s, want %s", loc, want)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != aws.ToString(key.KeyMetadata.Arn) ||
		aws.ToString(head.ContentType) != MediaType {
		t.Errorf("object stored with SSE %q key %q type %q", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId), aws.ToString(head.ContentType))
	}
	got, err := rigReader(t, rig).Get(ctx, loc)
	if err != nil || !bytes.Equal(got, envelope) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := saved.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rigReader(t, rig).Get(ctx, loc); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Discard: %v, want ErrNotFound", err)
	}
}

func TestSSMStoreTiers(t *testing.T) {
	rig := sharedRig(t)
	ctx := t.Context()
	c := ssm.NewFromConfig(rig.Config(region))
	st, err := NewSSMStore(c, "/golden/provenance")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		size int
		tier ssmtypes.ParameterTier
	}{{100, ssmtypes.ParameterTierStandard}, {4096, ssmtypes.ParameterTierStandard}, {4097, ssmtypes.ParameterTierAdvanced}, {8192, ssmtypes.ParameterTierAdvanced}}
	for i, tt := range tests {
		id := "ami-000000000000000" + string(rune('a'+i)) + "0"
		envelope := bytes.Repeat([]byte("x"), tt.size)
		loc, err := st.Put(ctx, region, id, envelope)
		if err != nil {
			t.Fatalf("%d bytes: %v", tt.size, err)
		}
		got, err := rigReader(t, rig).Get(ctx, loc)
		if err != nil || !bytes.Equal(got, envelope) {
			t.Fatalf("%d bytes: Get = %d bytes, %v", tt.size, len(got), err)
		}
		out, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{loc.Name}}}})
		if err != nil || len(out.Parameters) != 1 {
			t.Fatalf("describing %s: %v", loc.Name, err)
		}
		if out.Parameters[0].Tier != tt.tier {
			t.Errorf("%d bytes stored in tier %s, want %s", tt.size, out.Parameters[0].Tier, tt.tier)
		}
	}
	rig.Proxy().ClearCalls()
	_, err = st.Put(ctx, region, imageID, bytes.Repeat([]byte("x"), 8193))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "8193 bytes, more than the 8192 bytes an SSM parameter holds: store it in S3") {
		t.Errorf("oversized record: %v", err)
	}
	if n := len(rig.Proxy().CallsTo("ssm", "PutParameter")); n != 0 {
		t.Errorf("%d PutParameter calls for an oversized record", n)
	}
	if _, err := rigReader(t, rig).Get(ctx, st.Locate(region, imageID)); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing parameter: %v, want ErrNotFound", err)
	}
}

func TestDirStore(t *testing.T) {
	dir := t.TempDir()
	st, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := st.Put(t.Context(), region, imageID, []byte("envelope"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, region, imageID+".intoto.json"); loc.Name != want {
		t.Errorf("stored at %s, want %s", loc.Name, want)
	}
	r, err := NewReader(nil, nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Get(t.Context(), loc); err != nil || string(got) != "envelope" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	other, _ := NewReader(nil, nil, dir+"-other")
	if _, err := other.Get(t.Context(), loc); err == nil || !strings.Contains(err.Error(), "outside the directories you allowed") {
		t.Errorf("reading outside the allowed dirs: %v", err)
	}
	if err := st.Delete(t.Context(), loc); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(t.Context(), loc); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete: %v, want ErrNotFound", err)
	}
	if err := st.Delete(t.Context(), loc); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, 1<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(t.Context(), Location{Kind: File, Name: big}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized file: %v, want ErrTooLarge", err)
	}
}

type failingStore struct{ Store }

func (failingStore) Put(context.Context, string, string, []byte) (Location, error) {
	return Location{}, errors.New("storing failed")
}

func TestSaveRollsBack(t *testing.T) {
	dir := t.TempDir()
	st, _ := NewDirStore(dir)
	_, err := Save(t.Context(), []Store{st, failingStore{st}}, region, imageID, []byte("e"))
	if err == nil || err.Error() != "storing failed" {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.FromSlash(st.Locate(region, imageID).Name)); !os.IsNotExist(err) {
		t.Errorf("the first store's copy was left behind: %v", err)
	}
	if _, err := Save(t.Context(), nil, region, imageID, []byte("e")); err == nil {
		t.Error("saved with no store")
	}
}

func TestCheckPointer(t *testing.T) {
	short, _ := NewDirStore("/var/lib/golden")
	long, _ := NewDirStore("/" + strings.Repeat("d", 1000))
	if err := CheckPointer([]Store{short}, []string{"eu-west-1", "us-east-1"}); err != nil {
		t.Error(err)
	}
	if err := CheckPointer([]Store{short, long}, []string{"eu-west-1"}); err == nil || !strings.Contains(err.Error(), "more than the 1024") {
		t.Errorf("too long: %v", err)
	}
}
