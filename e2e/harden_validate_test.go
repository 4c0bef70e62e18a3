package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

// TestHardenExampleValidates: the example in example/ is a valid template.
func TestHardenExampleValidates(t *testing.T) {
	p := packertest.New(t)
	res := p.Run(t, t.Context(), "../example", nil, "validate", "-var", "host=192.0.2.10", "-var", "ssh_private_key_file="+throwawayKey(t), "harden.pkr.hcl")
	if res.ExitCode != 0 {
		t.Fatalf("packer validate example/harden.pkr.hcl exited %d", res.ExitCode)
	}
}

// TestHardenValidateRejects: bad configurations fail at packer validate, with
// a message naming the field and, where one is close, the value meant.
func TestHardenValidateRejects(t *testing.T) {
	p := packertest.New(t)
	key := throwawayKey(t)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"unknown profile", `profile = "basline"`, []string{`unknown profile "basline"`, `did you mean "baseline"?`}},
		{"unknown rule", `skip_rules = ["sshd-permit-root-logn"]`, []string{"skip_rules", `did you mean "sshd-permit-root-login"?`}},
		{"bad severity", `fail_on = "severe"`, []string{"fail_on", `unknown severity "severe"`}},
		{"bad mode", `mode = "fix"`, []string{"mode", `unknown mode "fix"`}},
		{"missing script", `scripts = ["missing.sh"]`, []string{"missing.sh does not exist"}},
		{"empty config", `profile = "none"`, []string{"nothing to run"}},
		{"bad parameter", `rule_overrides = { sshd_max_auth_tries = "zero" }`, []string{"sshd_max_auth_tries", `"zero"`}},
		{"unknown field", `scirpts = ["a.sh"]`, []string{"scirpts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeHardenFile(t, dir, "bad.pkr.hcl", hardenTemplateAt(22, key, dir, "    "+tt.body))
			res := p.Run(t, t.Context(), dir, nil, "validate", ".")
			if res.ExitCode == 0 {
				t.Fatal("packer validate accepted it")
			}
			// packer wraps long messages: compare with single spaces.
			out := strings.Join(strings.Fields(res.Output), " ")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("packer validate does not say %q", w)
				}
			}
		})
	}
}

// throwawayKey makes a throwaway private key: packer validate reads the key file.
func throwawayKey(t *testing.T) string {
	t.Helper()
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return key
}
