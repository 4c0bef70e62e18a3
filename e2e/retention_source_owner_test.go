package e2e

import (
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// TestSourceAMIOwnersRefusesAnUntrustedSource: a build that started from an
// image whose owner source_ami_owners does not list fails in golden-seal's
// preflight, naming the image and its owner, before any copy.
func TestSourceAMIOwnersRefusesAnUntrustedSource(t *testing.T) {
	lifecycleNeedsRig(t)
	p := newPipeline(t, "testdata/retention.pkr.hcl")
	keys, _ := sealKeys(t, p.AWS)
	res := p.Packer.Run(t, t.Context(), p.Dir, append(p.vars(), sealVars(keys, "PKR_VAR_family="+retentionFamily,
		`PKR_VAR_source_ami_owners=["111122223333","self","aws-marketplace"]`)...), "build", "-color=false", ".")
	out := strings.Join(strings.Fields(res.Output), " ")
	want := "source_ami_owners: the build started from " + awstest.SourceAMIID + " (" + awstest.SourceAMIName + "), owned by " + awstest.SourceAMIOwner
	if res.ExitCode == 0 || !strings.Contains(out, want) || !strings.Contains(out, "which is not among 111122223333, self, aws-marketplace") ||
		!strings.Contains(out, "(nothing was changed)") {
		t.Fatalf("packer build exited %d, want the seal refused with %q", res.ExitCode, want)
	}
	if calls := p.AWS.Proxy().CallsTo("ec2", "CopyImage"); len(calls) != 0 {
		t.Errorf("%d CopyImage calls after an untrusted source", len(calls))
	}
}
