package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// run runs the verify command against the rig, as a user's shell would.
func run(t *testing.T, w *world, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for _, kv := range w.rig.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code = Main(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandVerified(t *testing.T) {
	w := newWorld(t)
	id := w.seal(t, "golden-debian-12-a", w.signer)
	code, out, errOut := run(t, w, "--region", region, "--kms-key-id", "alias/golden-provenance", id)
	if code != ExitVerified {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		id + " in eu-west-1: verified\n",
		"  image      golden-debian-12-a (arn:aws:ec2:eu-west-1::image/" + id + ")\n",
		"  source     ami-0deb1200000000001 debian-12-amd64-20250101-1980 (owner 136693071363)\n",
		"  built      2025-01-01T10:07:30Z by urn:golden:host:test-host\n",
		"  hardening  pass\n",
		"  encrypted  " + w.ebsKey + " (checked against the snapshots)\n",
		"  signed by  SHA256:",
		"  envelope   s3://golden-provenance/golden/eu-west-1/" + id + ".intoto.json?region=eu-west-1 sha256:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCommandJSON(t *testing.T) {
	w := newWorld(t)
	id := w.seal(t, "golden-debian-12-a", w.signer)
	code, out, errOut := run(t, w, "--json", "--region", region, "--kms-key-id", "alias/golden-provenance", id)
	if code != ExitVerified {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var got struct {
		Verified   bool   `json:"verified"`
		ImageID    string `json:"imageId"`
		Provenance struct {
			ImageDigest      string `json:"imageDigest"`
			HardeningVerdict string `json:"hardeningVerdict"`
		} `json:"provenance"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if !got.Verified || got.ImageID != id || len(got.Provenance.ImageDigest) != 64 || got.Provenance.HardeningVerdict != "pass" {
		t.Errorf("JSON:\n%s", out)
	}

	// Rejected: status 1 and the reason, in JSON too.
	loc := w.pointer(t, id).Locations[0]
	if _, err := w.s3.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)}); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, w, "--region", region, "--kms-key-id", "alias/golden-provenance", "--json", id)
	var rej struct {
		Verified bool   `json:"verified"`
		Reason   string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(out), &rej); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if code != ExitRejected || rej.Verified || !strings.Contains(rej.Reason, "the envelope is missing at s3://") {
		t.Errorf("exit %d, JSON:\n%s", code, out)
	}
}

func TestCommandRejected(t *testing.T) {
	w := newWorld(t)
	id := w.seal(t, "golden-debian-12-a", w.signer)
	p := w.pointer(t, id)
	p.SHA256 = strings.Repeat("1", 64)
	w.tag(t, id, p)
	code, out, errOut := run(t, w, "--region", region, "--kms-key-id", "alias/golden-provenance", id)
	if code != ExitRejected || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := id + " in eu-west-1: NOT verified: provenance rejected: " + id + " in eu-west-1: the envelope at s3://"
	if !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "but the tag golden:provenance-sha256 says 1111") {
		t.Errorf("stderr:\n%s\nwant it to start with\n%s", errOut, want)
	}
}

func TestCommandKeys(t *testing.T) {
	w := newWorld(t)
	id := w.seal(t, "golden-debian-12-a", w.signer)
	dir := t.TempDir()
	pub := filepath.Join(dir, "golden.pub.pem")
	if code, _, errOut := run(t, w, "--region", region, "--kms-key-id", "alias/golden-provenance", "--export-public-key", pub); code != ExitVerified {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if code, out, errOut := run(t, w, "--region", region, "--public-key", pub, id); code != ExitVerified || !strings.Contains(out, "verified") {
		t.Fatalf("with the exported key: exit %d: %s%s", code, out, errOut)
	}
	w.rig.CreateKey(t, region, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, "alias/not-for-signing")
	code, _, errOut := run(t, w, "--region", region, "--kms-key-id", "alias/not-for-signing", id)
	if code != ExitError || !strings.Contains(errOut, "has KeyUsage ENCRYPT_DECRYPT: provenance needs an asymmetric key with KeyUsage SIGN_VERIFY") {
		t.Errorf("a key without SIGN_VERIFY: exit %d: %s", code, errOut)
	}
	other := w.rig.CreateKey(t, region, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "alias/other")
	code, _, errOut = run(t, w, "--region", region, "--kms-key-id", other, id)
	if code != ExitRejected || !strings.Contains(errOut, "no signature verifies with the trusted key") {
		t.Errorf("another key: exit %d: %s", code, errOut)
	}
}

func TestCommandUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "--region is required"},
		{[]string{"--region", region, "ami-0123456789abcdef0"}, "give the trusted key"},
		{[]string{"--region", region, "--public-key", "k.pem"}, "give the AMI id"},
		{[]string{"--region", region, "--public-key", "k.pem", "ami-1", "ami-2"}, "one AMI id at a time"},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := Main(t.Context(), tt.args, &out, &errOut); code != ExitUsage || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("verify %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, errOut.String(), ExitUsage, tt.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := Main(t.Context(), []string{"--help"}, &out, &errOut); code != ExitVerified || !strings.Contains(errOut.String(), "Usage: packer-plugin-golden verify") {
		t.Errorf("--help: exit %d: %s", code, errOut.String())
	}
	if _, err := os.Stat("k.pem"); err == nil {
		t.Error("k.pem exists in the package dir")
	}
}
