package e2e

import (
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// TestProvenanceFailureRollsBack: when signing or storing a record fails in
// any region, the seal fails and rolls back every region: no sealed AMI, no
// snapshot and no record is left, in any store, and the rendezvous report is
// gone too.
func TestProvenanceFailureRollsBack(t *testing.T) {
	tests := []struct {
		name  string
		rule  *awstest.Rule
		extra []string
		want  string
	}{
		{name: "KMS Sign denied", rule: &awstest.Rule{Service: "kms", Action: "Sign", Fault: awstest.FaultDenied},
			want: ": signing provenance: signing with kms key arn:aws:kms:us-east-1:"},
		{name: "S3 PutObject fails", rule: &awstest.Rule{Service: "s3", Action: "PutObject", Fault: awstest.FaultInternal},
			want: "storing the provenance of ami-"},
		{name: "SSM PutParameter fails in one region", rule: &awstest.Rule{Service: "ssm", Action: "PutParameter", Region: "eu-west-1", Fault: awstest.FaultDenied},
			want: "eu-west-1: storing the provenance of ami-"},
		{name: "record too large for SSM", extra: []string{"PKR_VAR_padding=" + strings.Repeat("x", 9000)},
			want: "bytes, more than the 8192 bytes an SSM parameter holds: store it in S3 (s3_bucket) or a directory instead: envelope too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := newProvenanceRig(t)
			if tt.rule != nil {
				if err := pr.AWS.Proxy().AddRule(*tt.rule); err != nil {
					t.Fatal(err)
				}
			}
			res := pr.Packer.Run(t, t.Context(), pr.Dir, append(pr.pipeline.vars(), pr.vars(tt.extra...)...), "build", "-color=false", ".")
			out := strings.Join(strings.Fields(res.Output), " ")
			if res.ExitCode == 0 || !strings.Contains(out, tt.want) || !strings.Contains(out, "rolled back: nothing this run created is left") {
				t.Errorf("packer build exited %d, want a failure saying %q and that it rolled back", res.ExitCode, tt.want)
			}
			pr.assertNoSeal(t, res.Output)
			pr.assertNoRecords(t)
			pr.assertRendezvousRemoved(t)
		})
	}
}
