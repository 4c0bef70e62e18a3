package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

// TestHardenInPipeline runs golden-harden inside the amazon-ebs smoke pipeline:
// the baseline hardens the sandbox that plays the instance, the AMI is created,
// and the report waits for golden-seal under the build's name.
func TestHardenInPipeline(t *testing.T) {
	host := hostState(t)
	p := newPipeline(t, "testdata/harden_pipeline.pkr.hcl")
	dir := t.TempDir()
	res := p.build(t, "PKR_VAR_report_dir="+filepath.Join(dir, "reports"), "PKR_VAR_rendezvous_dir="+filepath.Join(dir, "rendezvous"))
	if !regexp.MustCompile(`us-east-1: ami-[0-9a-f]+`).MatchString(res.Output) {
		t.Error("no AMI in packer's output")
	}
	r := hardenReport(t, dir, "hardened")
	if r.Verdict != hardening.VerdictPass {
		t.Errorf("verdict %s: %q", r.Verdict, r.Reasons)
	}
	for id, st := range ruleStatuses(r) {
		if !strings.HasSuffix(st, "→ pass") && !strings.HasSuffix(st, "→ fixed") {
			if _, ok := notApplicableOnSandbox[id]; !ok {
				t.Errorf("rule %s: %s", id, st)
			}
		}
	}
	if len(r.Scripts) != 1 || !strings.Contains(r.Scripts[0].OutputTail, "hardened for platform") {
		t.Errorf("scripts %+v", r.Scripts)
	}
	diffState(t, "the host", host, hostState(t))
}
