package seal

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// fakeArtifact is an input artifact with generated data.
type fakeArtifact struct {
	packersdk.Artifact
	state interface{}
}

func (a fakeArtifact) State(name string) interface{} {
	if name == "generated_data" {
		return a.state
	}
	return nil
}

func TestBuiltFromArtifact(t *testing.T) {
	want := builtFrom{ImageID: "ami-0deb1200000000001", Name: "debian-12", OwnerID: "136693071363", OwnerAlias: "amazon"}
	over := map[interface{}]interface{}{"SourceAMI": "ami-0deb1200000000001", "SourceAMIName": "debian-12", "SourceAMIOwner": "136693071363", "SourceAMIOwnerName": "amazon", "Other": 3}
	local := map[string]interface{}{"SourceAMI": "ami-0deb1200000000001", "SourceAMIName": "debian-12", "SourceAMIOwner": "136693071363", "SourceAMIOwnerName": "amazon"}
	for name, state := range map[string]interface{}{"across the plugin protocol": over, "in process": local} {
		if diff := cmp.Diff(want, builtFromArtifact(fakeArtifact{state: state})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if got := builtFromArtifact(fakeArtifact{}); got != (builtFrom{}) {
		t.Errorf("no generated data: %+v", got)
	}
}

func TestTrustedBy(t *testing.T) {
	debian := builtFrom{ImageID: "ami-1", OwnerID: "136693071363"}
	amazon := builtFrom{ImageID: "ami-2", OwnerID: "137112412989", OwnerAlias: "amazon"}
	mine := builtFrom{ImageID: "ami-3", OwnerID: account}
	tests := []struct {
		b      builtFrom
		owners []string
		self   string
		want   bool
	}{
		{debian, []string{"136693071363"}, account, true},
		{debian, []string{"amazon", "self"}, account, false},
		{amazon, []string{"amazon"}, account, true},
		{amazon, []string{"aws-marketplace"}, account, false},
		{mine, []string{"self"}, account, true},
		{mine, []string{"self"}, "", false},
		{builtFrom{ImageID: "ami-4"}, []string{"self"}, "", false},
	}
	for _, tt := range tests {
		if got := tt.b.trustedBy(tt.owners, tt.self); got != tt.want {
			t.Errorf("%v trusted by %v (self %q) = %v, want %v", tt.b, tt.owners, tt.self, got, tt.want)
		}
	}
}

func TestSourceOwnerPreflight(t *testing.T) {
	tests := []struct {
		name  string
		built builtFrom
		want  string // "" for a seal that succeeds
	}{
		{"trusted", builtFrom{ImageID: "ami-0deb1200000000001", OwnerID: "136693071363"}, ""},
		{"self, the account sealing", builtFrom{ImageID: "ami-0deb1200000000002", OwnerID: account}, ""},
		{"untrusted", builtFrom{ImageID: "ami-0bad", Name: "crypto-miner", OwnerID: "999999999999"},
			"source_ami_owners: the build started from ami-0bad (crypto-miner), owned by 999999999999, which is not among 136693071363, self"},
		{"unknown", builtFrom{}, "source_ami_owners: the input artifact does not say which AMI the build started from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc, _, out := newTestRun(t, map[string]interface{}{"family": "debian-12-golden", "source_ami_owners": []string{"136693071363", "self"}})
			r.built = tt.built
			_, err := r.seal(t.Context())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out.String(), "trusted by source_ami_owners") {
					t.Errorf("the output does not say the source is trusted:\n%s", out)
				}
				for _, j := range r.jobs {
					got := map[string]string{family.Tag: j.Tags[family.Tag], family.TagSourceAMI: j.Tags[family.TagSourceAMI], family.TagSourceOwner: j.Tags[family.TagSourceOwner]}
					want := map[string]string{family.Tag: "debian-12-golden", family.TagSourceAMI: tt.built.ImageID, family.TagSourceOwner: tt.built.OwnerID}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s: lifecycle tags (-want +got):\n%s", j.Region, diff)
					}
				}
				return
			}
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
