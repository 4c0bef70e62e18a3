package seal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
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
	"github.com/google/go-cmp/cmp"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

const marker = "MARKER-sensitive-value"

// signingKey writes a new ECDSA P-256 private key as PEM and returns its path.
func signingKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeChecker verifies as internal/verify does, from the directory store only.
type fakeChecker struct {
	dir     string
	v       dsse.Verifier
	failing map[string][]error // by region: the answers before it verifies
}

func (f *fakeChecker) Image(ctx context.Context, region, imageID string) (*verify.Result, error) {
	if errs := f.failing[region]; len(errs) > 0 {
		f.failing[region] = errs[1:]
		return nil, errs[0]
	}
	loc := attestore.FileLocation(f.dir, region, imageID)
	b, err := os.ReadFile(loc.Name)
	if err != nil {
		return nil, err
	}
	env, err := provenance.ParseEnvelope(b)
	if err != nil {
		return nil, err
	}
	st, err := provenance.VerifyAndDecode(ctx, env, f.v)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &verify.Result{Region: region, ImageID: imageID, Location: loc.String(), EnvelopeSHA256: hex.EncodeToString(sum[:]), Statement: st}, nil
}

// provenanceRun is a test run that signs with a local key into a directory.
func provenanceRun(t *testing.T) (*run, *fakeCopier, *fakeAWS, *fakeChecker) {
	t.Helper()
	dir := t.TempDir()
	r, fc, fa, _ := newTestRun(t, map[string]interface{}{
		"packer_build_name":          "debian",
		"packer_sensitive_variables": []string{"api_token"},
		"tags":                       map[string]string{"Name": "golden-{{ .Region }}"},
		"provenance": map[string]interface{}{
			"signing_key_file": signingKey(t),
			"directory":        dir,
			"template_files":   []string{"testdata/policy.hcl"},
			"variables":        map[string]string{"family": "debian-12", "api_token": marker},
		},
	})
	checker := &fakeChecker{dir: dir, failing: map[string][]error{}}
	r.aws.checker = func(v dsse.Verifier, dirs ...string) (imageChecker, error) {
		checker.v = v
		if diff := cmp.Diff([]string{dir}, dirs); diff != "" {
			t.Errorf("checker follows file locations under (-want +got):\n%s", diff)
		}
		return checker, nil
	}
	r.finishers = finishers(r.cfg)
	r.built = builtFrom{ImageID: "ami-0deb1200000000001", Name: "debian-12-amd64-20250101-1980", OwnerID: "136693071363"}
	return r, fc, fa, checker
}

// envelopes lists the records in the directory store, as region/file.
func envelopes(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range matches {
		rel, _ := filepath.Rel(dir, m)
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

func TestSealProvenance(t *testing.T) {
	r, fc, fa, checker := provenanceRun(t)
	a, err := r.seal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.calls[len(fc.calls)-2]; got != "MarkSealed" {
		t.Errorf("calls %q: want MarkSealed after provenance, then the source removed", fc.calls)
	}
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		id := sealedID(region)
		loc := attestore.FileLocation(checker.dir, region, id)
		b, err := os.ReadFile(loc.Name)
		if err != nil {
			t.Fatalf("%s: no record: %v", region, err)
		}
		if strings.Contains(string(b), marker) {
			t.Errorf("%s: the record holds the sensitive value", region)
		}
		sum := sha256.Sum256(b)
		wantTags := map[string]string{attestore.TagLocation: loc.String(), attestore.TagSHA256: hex.EncodeToString(sum[:])}
		gotTags := map[string]string{}
		for _, tg := range fa.tagged[id] {
			gotTags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if diff := cmp.Diff(wantTags, gotTags); diff != "" {
			t.Errorf("%s: pointer tags (-want +got):\n%s", region, diff)
		}
		res, err := checker.Image(t.Context(), region, id)
		if err != nil {
			t.Fatalf("%s: %v", region, err)
		}
		params := res.Statement.Predicate.BuildDefinition.ExternalParameters
		want := provenance.ExternalParameters{
			BuildName: "debian",
			Templates: []provenance.File{{Path: "testdata/policy.hcl", SHA256: fileSHA(t, "testdata/policy.hcl")}},
			Variables: map[string]string{"api_token": provenance.Redacted, "family": "debian-12"},
			SourceAMI: &provenance.SourceParameter{ImageID: "ami-source", Region: "us-east-1"},
			Regions:   []string{"eu-west-1", "us-east-1"},
			KMSKeyIDs: map[string]string{"eu-west-1": arn("eu-west-1"), "us-east-1": arn("us-east-1")},
			Tags:      map[string]string{"Name": "golden-" + region},
		}
		if diff := cmp.Diff(want, params); diff != "" {
			t.Errorf("%s: externalParameters (-want +got):\n%s", region, diff)
		}
		s := res.Statement.Summary()
		if s.Image != "arn:aws:ec2:"+region+"::image/"+id || s.HardeningVerdict != provenance.NotHardened || s.InvocationID != "run-1" ||
			s.BaseImageID != "ami-0deb1200000000001" || s.BaseOwnerID != "136693071363" {
			t.Errorf("%s: summary %+v", region, s)
		}
		if a.Provenance[region] != loc.String() {
			t.Errorf("%s: artifact says provenance at %q, want %q", region, a.Provenance[region], loc)
		}
	}
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	sum, err := sha256File(path)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestSealProvenanceRollsBack(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*run, *fakeCopier, *fakeAWS, *fakeChecker)
		want  string
	}{
		{"tagging fails", func(_ *run, _ *fakeCopier, fa *fakeAWS, _ *fakeChecker) {
			fa.tagErrs = map[string]error{"eu-west-1": errors.New("TagLimitExceeded")}
		}, "eu-west-1: tagging " + sealedID("eu-west-1") + " with where its provenance is: TagLimitExceeded"},
		{"the record does not read back", func(_ *run, _ *fakeCopier, _ *fakeAWS, c *fakeChecker) {
			c.failing["us-east-1"] = []error{errors.New("AccessDenied")}
		}, "us-east-1: the provenance of " + sealedID("us-east-1") + " does not verify as stored: AccessDenied"},
		{"marking sealed fails", func(_ *run, fc *fakeCopier, _ *fakeAWS, _ *fakeChecker) {
			fc.markErr = errors.New("CreateTags throttled")
		}, "CreateTags throttled"},
		{"keep_on_failure keeps no record", func(r *run, _ *fakeCopier, fa *fakeAWS, _ *fakeChecker) {
			r.cfg.KeepOnFailure = true
			fa.tagErrs = map[string]error{"us-east-1": errors.New("TagLimitExceeded")}
		}, "TagLimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc, fa, checker := provenanceRun(t)
			tt.setup(r, fc, fa, checker)
			_, err := r.seal(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("seal() = %v, want %q", err, tt.want)
			}
			if left := envelopes(t, checker.dir); len(left) > 0 {
				t.Errorf("records left after the seal failed: %v", left)
			}
			if strings.Contains(strings.Join(fc.calls, "\n"), "Remove") {
				t.Errorf("calls %q: the source was removed", fc.calls)
			}
		})
	}
}

func TestSealProvenanceRereadsTags(t *testing.T) {
	r, _, _, checker := provenanceRun(t)
	checker.failing["eu-west-1"] = []error{fmt.Errorf("%w: no golden:provenance tag", verify.ErrRejected)}
	if _, err := r.seal(t.Context()); err != nil {
		t.Fatalf("seal() = %v: a tag not yet visible is read again", err)
	}
}

// signKMS answers DescribeKey with meta and GetPublicKey with pub, and signs nothing.
type signKMS struct {
	meta   kmstypes.KeyMetadata
	pub    []byte // DER
	region string
}

func (k signKMS) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return &kms.DescribeKeyOutput{KeyMetadata: &k.meta}, nil
}

func (k signKMS) GetPublicKey(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return &kms.GetPublicKeyOutput{PublicKey: k.pub, KeySpec: k.meta.KeySpec, KeyUsage: k.meta.KeyUsage}, nil
}

func (signKMS) Sign(context.Context, *kms.SignInput, ...func(*kms.Options)) (*kms.SignOutput, error) {
	return nil, errors.New("Sign not expected")
}

func (k signKMS) Options() kms.Options { return kms.Options{Region: k.region} }

// bucket answers HeadBucket with err.
type bucket struct {
	err    error
	region string
}

func (b bucket) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return &s3.HeadBucketOutput{}, b.err
}

func (bucket) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, errors.New("PutObject not expected")
}

func (bucket) DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	return nil, errors.New("DeleteObject not expected")
}

func (b bucket) Options() s3.Options { return s3.Options{Region: b.region} }

type params struct{ region string }

func (params) PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	return nil, errors.New("PutParameter not expected")
}

func (params) DeleteParameter(context.Context, *ssm.DeleteParameterInput, ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error) {
	return nil, errors.New("DeleteParameter not expected")
}

func (p params) Options() ssm.Options { return ssm.Options{Region: p.region} }

func TestProvenancePreflight(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	signKey := kmstypes.KeyMetadata{Arn: aws.String("arn:aws:kms:us-east-1:" + account + ":key/sign"), KeyState: kmstypes.KeyStateEnabled,
		KeyUsage: kmstypes.KeyUsageTypeSignVerify, KeySpec: kmstypes.KeySpecEccNistP256}
	tests := []struct {
		name      string
		key       func(*kmstypes.KeyMetadata)
		bucketErr error
		prefix    string
		want      string
	}{
		{name: "key for encryption", key: func(m *kmstypes.KeyMetadata) {
			m.KeyUsage, m.KeySpec = kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault
		}, want: "provenance: kms_key_id: kms key alias/golden-provenance in us-east-1 has KeyUsage ENCRYPT_DECRYPT: provenance needs an asymmetric key with KeyUsage SIGN_VERIFY"},
		{name: "RSA key", key: func(m *kmstypes.KeyMetadata) { m.KeySpec = kmstypes.KeySpecRsa2048 }, want: "has KeySpec RSA_2048"},
		{name: "disabled key", key: func(m *kmstypes.KeyMetadata) { m.KeyState = kmstypes.KeyStateDisabled }, want: "is Disabled: enable it"},
		{name: "no bucket", bucketErr: &s3types.NotFound{}, want: "provenance: s3_bucket golden-provenance not found in us-east-1: create it, or set s3_region"},
		{name: "pointer too long", prefix: "/" + strings.Repeat("p", 950), want: "provenance: us-east-1: provenance locations take"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc, _, _ := newTestRun(t, map[string]interface{}{"provenance": map[string]interface{}{
				"kms_key_id": "alias/golden-provenance", "s3_bucket": "golden-provenance", "ssm_prefix": "/golden/provenance",
			}})
			meta := signKey
			if tt.key != nil {
				tt.key(&meta)
			}
			r.cfg.Provenance.SSMPrefix = "/golden" + tt.prefix // longer than validate allows, as a longer region would make it
			r.aws.signKMS = func(region string) signKMSAPI { return signKMS{meta, pub, region} }
			r.aws.s3 = func(region string) s3API { return bucket{tt.bucketErr, region} }
			r.aws.ssm = func(region string) ssmAPI { return params{region} }
			r.aws.checker = func(dsse.Verifier, ...string) (imageChecker, error) { return &fakeChecker{}, nil }
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
