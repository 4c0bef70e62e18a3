package ami

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// publicKeyFile writes a PEM public key and returns its path.
func publicKeyFile(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "golden.pub.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigPrepare(t *testing.T) {
	pub := publicKeyFile(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  map[string]interface{}
		errs []string // substrings, one per expected error; none: valid
	}{
		{name: "family only", raw: map[string]interface{}{"family": "debian-12"}},
		{name: "filters only", raw: map[string]interface{}{"filters": map[string]string{"name": "debian-*"}, "owners": []string{"136693071363"}}},
		{name: "everything", raw: map[string]interface{}{
			"family": "debian-12", "region": "eu-west-1", "owners": []string{"self", "111122223333"},
			"require_encrypted_with":    []string{"alias/golden-ami", "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"},
			"require_tags":              map[string]string{"Environment": "prod"},
			"require_provenance":        map[string]interface{}{"kms_key_id": "alias/golden-provenance", "public_key_file": pub, "directories": []string{"records"}},
			"require_hardening_verdict": ">= warn", "max_age": "30d",
		}},
		{name: "the AWS managed key, golden-seal's default", raw: map[string]interface{}{"family": "d", "require_encrypted_with": []string{"alias/aws/ebs"}}},
		{name: "an AWS managed key to verify provenance with", raw: map[string]interface{}{"family": "d", "require_provenance": map[string]interface{}{"kms_key_id": "alias/aws/ebs"}},
			errs: []string{`require_provenance.kms_key_id: kms key "alias/aws/ebs" is an AWS managed key, which is symmetric and cannot sign`}},
		{name: "values Packer cannot know at validate time", raw: map[string]interface{}{
			"family": unknown, "max_age": unknown, "require_hardening_verdict": unknown, "owners": []string{unknown},
			"require_provenance": map[string]interface{}{"kms_key_id": unknown},
		}},
		{name: "nothing to select by", raw: map[string]interface{}{}, errs: []string{"no family and no filters"}},
		{name: "bad values", raw: map[string]interface{}{
			"family": "debian,12", "filters": map[string]string{"nmae": "x", "tag:golden:family": "y"}, "owners": []string{"me"},
			"require_encrypted_with": []string{"golden-ami"}, "max_age": "30 days", "region": "europe",
		}, errs: []string{
			`region "europe"`, `family: not a family name: "debian,12"`, `family and filters["tag:golden:family"] both set`,
			`filters: not an image filter: "nmae"`, `owners: "me" is not an owner`, `require_encrypted_with: `, `max_age: not an age: "30 days"`,
		}},
		{name: "verdict without provenance", raw: map[string]interface{}{"family": "d", "require_hardening_verdict": "excellent"},
			errs: []string{"require_hardening_verdict: the verdict is read from the verified provenance record: add require_provenance", `require_hardening_verdict: not a verdict expression: "excellent"`}},
		{name: "provenance without a key", raw: map[string]interface{}{"family": "d", "require_provenance": map[string]interface{}{}},
			errs: []string{"require_provenance: no trusted key"}},
		{name: "provenance with bad keys", raw: map[string]interface{}{"family": "d", "require_provenance": map[string]interface{}{"kms_key_id": "golden", "public_key_file": notPEM}},
			errs: []string{"require_provenance.kms_key_id: ", "require_provenance.public_key_file " + notPEM}},
		{name: "missing public key file", raw: map[string]interface{}{"family": "d", "require_provenance": map[string]interface{}{"public_key_file": filepath.Join(t.TempDir(), "none.pem")}},
			errs: []string{"require_provenance.public_key_file: open "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			err := c.Prepare(tt.raw)
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("Prepare: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Prepare succeeded, want %d errors", len(tt.errs))
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("no error contains %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestConfigRequirements(t *testing.T) {
	var c Config
	err := c.Prepare(map[string]interface{}{
		"family": "debian-12", "owners": []string{"self", "111122223333", "self"}, "filters": map[string]string{"architecture": "x86_64"},
		"require_tags": map[string]string{"Environment": "prod"}, "max_age": "2w",
		"require_provenance": map[string]interface{}{"public_key_file": publicKeyFile(t)}, "require_hardening_verdict": "pass",
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"111122223333", "self"}, c.Owners); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	var filters []string
	for _, f := range c.filters {
		filters = append(filters, f.Name+"="+strings.Join(f.Values, ","))
	}
	if diff := cmp.Diff([]string{"architecture=x86_64", "tag:golden:family=debian-12"}, filters); diff != "" {
		t.Errorf("filters (-want +got):\n%s", diff)
	}
	r := c.req
	if r.Family != "debian-12" || r.FamilyTags["golden:seal-status"] != "sealed" || r.MaxAge != 14*24*time.Hour || !r.Provenance ||
		r.Verdicts.String() != "pass" || r.Tags["Environment"] != "prod" || len(c.pemKeys) != 1 {
		t.Errorf("requirements %+v, %d PEM keys", r, len(c.pemKeys))
	}
}
