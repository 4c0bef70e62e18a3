package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

const (
	provenanceBucket = "golden-provenance"
	provenanceKey    = "alias/golden-provenance"
	provenanceSSM    = "/golden/provenance"
)

// provenanceRig is a pipeline of testdata/provenance.pkr.hcl with the stand-ins
// provenance needs: an EBS key in every seal region, a SIGN_VERIFY key and a
// bucket in the build region, and a folder for reports, the rendezvous and the
// directory store.
type provenanceRig struct {
	*pipeline
	keys    string            // the template's keys variable
	arns    map[string]string // each seal region's EBS key ARN
	signARN string            // the SIGN_VERIFY key's ARN: consumers name it so in every region
	dir     string
}

func newProvenanceRig(t *testing.T) *provenanceRig {
	t.Helper()
	p := newPipeline(t, "testdata/provenance.pkr.hcl")
	keys, arns := sealKeys(t, p.AWS)
	signARN := p.AWS.CreateKey(t, buildRegion, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, provenanceKey)
	if _, err := s3.NewFromConfig(p.AWS.Config(buildRegion), awstest.S3PathStyle).CreateBucket(t.Context(),
		&s3.CreateBucketInput{Bucket: aws.String(provenanceBucket)}); err != nil {
		t.Fatal(err)
	}
	return &provenanceRig{pipeline: p, keys: keys, arns: arns, signARN: signARN, dir: t.TempDir()}
}

// vars are the template variables of a seal with every store and the KMS key, then extra.
func (pr *provenanceRig) vars(extra ...string) []string {
	return append(sealVars(pr.keys,
		"PKR_VAR_report_dir="+filepath.Join(pr.dir, "reports"),
		"PKR_VAR_rendezvous_dir="+pr.rendezvous(),
		"PKR_VAR_signing_key="+provenanceKey,
		"PKR_VAR_s3_bucket="+provenanceBucket,
		"PKR_VAR_ssm_prefix="+provenanceSSM,
		"PKR_VAR_directory="+pr.records(),
	), extra...)
}

func (pr *provenanceRig) rendezvous() string { return filepath.Join(pr.dir, "rendezvous") }
func (pr *provenanceRig) records() string    { return filepath.Join(pr.dir, "records") }

// sealedLine is a region's line of golden-seal's artifact.
var sealedLine = regexp.MustCompile(`(?:^|[^a-z])([a-z]{2}-[a-z]+-\d): (ami-[0-9a-f]+) \(key (arn:[^)]+)\)`)

// sealedAMIs are the sealed AMIs by region, as the artifact lists them.
func sealedAMIs(t *testing.T, output string) map[string]string {
	t.Helper()
	amis := map[string]string{}
	for _, m := range sealedLine.FindAllStringSubmatch(output, -1) {
		amis[m[1]] = m[2]
	}
	if len(amis) != len(sealRegions) {
		t.Fatalf("the artifact lists %d sealed AMIs, want %d", len(amis), len(sealRegions))
	}
	return amis
}

// verifyResult is how a run of `packer-plugin-golden verify` ended.
type verifyResult struct {
	Exit           int
	Stdout, Stderr string
}

// verify runs the plugin binary Packer installed, as a consumer would, with
// the rig's AWS environment and the records folder allowed.
func (pr *provenanceRig) verify(t *testing.T, region, ami string, args ...string) verifyResult {
	t.Helper()
	bins, err := filepath.Glob(filepath.Join(pr.Packer.PluginDir, "github.com", "goldenami", "golden", "packer-plugin-golden_*"))
	if err != nil || len(bins) == 0 {
		t.Fatalf("no plugin binary in %s: %v", pr.Packer.PluginDir, err)
	}
	bins = slices.DeleteFunc(bins, func(b string) bool { return strings.HasSuffix(b, "_SHA256SUM") })
	args = append([]string{"verify", "--region", region, "--provenance-dir", pr.records()}, args...)
	cmd := exec.CommandContext(t.Context(), bins[0], append(args, ami)...)
	cmd.Env = pr.AWS.ChildEnv(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := verifyResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Exit = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return res
}

func (pr *provenanceRig) ec2(region string) *ec2.Client {
	return ec2.NewFromConfig(pr.AWS.Config(region))
}

func (pr *provenanceRig) reader(t *testing.T) *attestore.Reader {
	t.Helper()
	r, err := attestore.NewReader(
		func(region string) *s3.Client { return s3.NewFromConfig(pr.AWS.Config(region), awstest.S3PathStyle) },
		func(region string) *ssm.Client { return ssm.NewFromConfig(pr.AWS.Config(region)) },
		pr.records())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// imageTags are an AMI's tags.
func (pr *provenanceRig) imageTags(t *testing.T, region, ami string) map[string]string {
	t.Helper()
	out, err := pr.ec2(region).DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("describing %s in %s: %v", ami, region, err)
	}
	tags := map[string]string{}
	for _, tg := range out.Images[0].Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return tags
}

func (pr *provenanceRig) pointer(t *testing.T, region, ami string) attestore.Pointer {
	t.Helper()
	p, err := attestore.ParsePointer(pr.imageTags(t, region, ami))
	if err != nil {
		t.Fatalf("%s in %s: %v", ami, region, err)
	}
	return p
}

// stored reads the record of ami from every location its tags name; they must agree.
func (pr *provenanceRig) stored(t *testing.T, region, ami string) []byte {
	t.Helper()
	var first []byte
	for _, loc := range pr.pointer(t, region, ami).Locations {
		b, err := pr.reader(t).Get(t.Context(), loc)
		if err != nil {
			t.Fatalf("%s in %s: %v", ami, region, err)
		}
		if first != nil && !bytes.Equal(first, b) {
			t.Errorf("%s in %s: %s holds other bytes than the first location", ami, region, loc)
		}
		if first == nil {
			first = b
		}
	}
	return first
}

// statement decodes a stored envelope's payload without checking its signature.
func statement(t *testing.T, envelope []byte) *provenance.Statement {
	t.Helper()
	e, err := provenance.ParseEnvelope(envelope)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := e.DecodeB64Payload()
	if err != nil {
		t.Fatal(err)
	}
	s, err := provenance.DecodeStatement(payload)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// store writes b to every location of the pointer and tags the AMI with b's sha256, as an attacker with write access could.
func (pr *provenanceRig) store(t *testing.T, region, ami string, p attestore.Pointer, b []byte) {
	t.Helper()
	for _, loc := range p.Locations {
		var err error
		switch loc.Kind {
		case attestore.S3:
			_, err = s3.NewFromConfig(pr.AWS.Config(loc.Region), awstest.S3PathStyle).PutObject(t.Context(),
				&s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name), Body: bytes.NewReader(b)})
		case attestore.SSM:
			tier := ssmtypes.ParameterTierStandard
			if len(b) > 4096 {
				tier = ssmtypes.ParameterTierAdvanced
			}
			_, err = ssm.NewFromConfig(pr.AWS.Config(loc.Region)).PutParameter(t.Context(), &ssm.PutParameterInput{Name: aws.String(loc.Name),
				Value: aws.String(string(b)), Type: ssmtypes.ParameterTypeString, Tier: tier, Overwrite: aws.Bool(true)})
		case attestore.File:
			err = os.WriteFile(loc.Name, b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(b)
	pr.tag(t, region, ami, attestore.TagSHA256, hex.EncodeToString(sum[:]))
}

// remove deletes the record from every location of the pointer.
func (pr *provenanceRig) remove(t *testing.T, p attestore.Pointer) {
	t.Helper()
	for _, loc := range p.Locations {
		var err error
		switch loc.Kind {
		case attestore.S3:
			_, err = s3.NewFromConfig(pr.AWS.Config(loc.Region), awstest.S3PathStyle).DeleteObject(t.Context(),
				&s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)})
		case attestore.SSM:
			_, err = ssm.NewFromConfig(pr.AWS.Config(loc.Region)).DeleteParameter(t.Context(), &ssm.DeleteParameterInput{Name: aws.String(loc.Name)})
		case attestore.File:
			err = os.Remove(loc.Name)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (pr *provenanceRig) tag(t *testing.T, region, ami, key, value string) {
	t.Helper()
	if _, err := pr.ec2(region).CreateTags(t.Context(), &ec2.CreateTagsInput{Resources: []string{ami},
		Tags: []ec2types.Tag{{Key: aws.String(key), Value: aws.String(value)}}}); err != nil {
		t.Fatal(err)
	}
}

// assertNoRecords checks that no store holds a record: the bucket, the
// parameters of every seal region and the records folder are empty.
func (pr *provenanceRig) assertNoRecords(t *testing.T) {
	t.Helper()
	objs, err := s3.NewFromConfig(pr.AWS.Config(buildRegion), awstest.S3PathStyle).ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(provenanceBucket)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs.Contents {
		t.Errorf("record left in S3: %s", aws.ToString(o.Key))
	}
	for _, r := range sealRegions {
		params, err := ssm.NewFromConfig(pr.AWS.Config(r)).GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String(provenanceSSM), Recursive: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range params.Parameters {
			t.Errorf("record left in SSM in %s: %s", r, aws.ToString(p.Name))
		}
	}
	filepath.WalkDir(pr.records(), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("record left in the directory: %s", path)
		}
		return nil
	})
}

// assertNoSeal checks that golden-seal left no image or snapshot in any region
// and did not touch the unencrypted source (Packer removes it, after golden-seal
// returned, as it does a builder's artifact when a post-processor fails).
func (pr *provenanceRig) assertNoSeal(t *testing.T, output string) {
	t.Helper()
	for _, r := range sealRegions {
		inv := take(t, pr.AWS, r)
		if left := inv.sealedBy(); len(left) > 0 {
			t.Errorf("%s: golden-seal left %v", r, left)
		}
		if r != buildRegion && len(inv.Images) != 0 {
			t.Errorf("%s: %d images left", r, len(inv.Images))
		}
	}
	m := regexp.MustCompile(`amazon-ebs.provenance: AMI: (ami-[0-9a-f]+)`).FindStringSubmatch(output)
	if m == nil {
		t.Fatal("no source AMI in packer's output")
	}
	_, report, _ := strings.Cut(output, "Per region:")
	report, _, _ = strings.Cut(report, "Build 'amazon-ebs.provenance' errored")
	if strings.Contains(report, m[1]) {
		t.Errorf("golden-seal's rollback touched the source %s:\n%s", m[1], report)
	}
}

// assertRendezvousRemoved checks golden-seal removed golden-harden's report for it.
func (pr *provenanceRig) assertRendezvousRemoved(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(pr.rendezvous())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the rendezvous folder: %s", e.Name())
	}
}

// signTimes are golden-seal's per-region lines on signing and storing.
var signTimes = regexp.MustCompile(`([a-z]+-[a-z]+-\d): provenance of ami-[0-9a-f]+ signed in (\S+) \((\d+) bytes\), stored and tagged in (\S+?):`)
