package kmssign

import (
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
)

func TestParseReference(t *testing.T) {
	tests := map[string]string{
		"alias/golden":  "",
		"alias/aws/ebs": `kms key "alias/aws/ebs" is an AWS managed key, which is symmetric and cannot sign`,
		"arn:aws:kms:eu-west-1:123456789012:alias/aws/ebs": "is an AWS managed key",
		"arn:aws:kms:eu-west-1:123456789012:alias/awsome":  "",
		"golden": `"golden" is not a KMS key id, key ARN, alias/NAME or alias ARN`,
	}
	for ref, want := range tests {
		_, err := ParseReference(ref)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ParseReference(%q) = %v, want an error containing %q", ref, err, want)
		}
	}
}

// FuzzParseReference: signing keys come from users; ParseReference takes
// what kmsref.Parse takes except the aliases of AWS managed keys.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"alias/golden", "alias/aws/ebs", "arn:aws:kms:eu-west-1:123456789012:alias/aws/x", "golden"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		r, err := ParseReference(ref)
		parsed, perr := kmsref.Parse(ref)
		if want := perr == nil && !parsed.AWSManaged(); (err == nil) != want || (err == nil && r != parsed) {
			t.Fatalf("ParseReference(%q) = %+v, %v; kmsref.Parse = %+v, %v", ref, r, err, parsed, perr)
		}
	})
}
