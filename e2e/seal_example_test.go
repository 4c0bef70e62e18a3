package e2e

import (
	"strings"
	"testing"
)

// TestSealExampleValidates: example/seal.pkr.hcl, as users copy it, passes
// packer validate with the real amazon plugin and this plugin, offline; and
// a tag that breaks its policy file fails there, naming the tag.
func TestSealExampleValidates(t *testing.T) {
	p := newPipeline(t, "../example/seal.pkr.hcl", "../example/seal-tag-policy.hcl")
	res := p.Packer.Run(t, t.Context(), p.Dir, nil, "validate", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer validate of example/seal.pkr.hcl exited %d", res.ExitCode)
	}
	res = p.Packer.Run(t, t.Context(), p.Dir, []string{`PKR_VAR_kms_key_id=alias/aws/ebs`}, "validate", ".")
	out := strings.Join(strings.Fields(res.Output), " ")
	if want := "images encrypted with the AWS managed key alias/aws/ebs cannot be shared"; res.ExitCode == 0 || !strings.Contains(out, want) {
		t.Errorf("packer validate with the AWS managed key exited %d, want %q", res.ExitCode, want)
	}
	if calls := p.AWS.Proxy().Calls(); len(calls) != 0 {
		t.Errorf("packer validate made %d AWS calls, want none", len(calls))
	}
}
