package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

// TestAMIValidate: example/ami.pkr.hcl passes packer validate offline, and
// packer validate reports every wrong golden-ami setting at once, making no
// AWS call either way.
func TestAMIValidate(t *testing.T) {
	lifecycleNeedsRig(t)
	rig := awstest.Shared(t)
	pk := packertest.New(t)
	pk.Env = rig.Env()

	dir := t.TempDir()
	if err := copyFile("../example/ami.pkr.hcl", filepath.Join(dir, "ami.pkr.hcl")); err != nil {
		t.Fatal(err)
	}
	if res := pk.Run(t, t.Context(), dir, nil, "validate", "."); res.ExitCode != 0 {
		t.Errorf("packer validate of example/ami.pkr.hcl exited %d", res.ExitCode)
	}

	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "bad.pkr.hcl"), requiredPlugins("golden")+`
data "golden-ami" "base" {
  family                    = "debian 12, golden"
  owners                    = ["me"]
  filters                   = { nmae = "debian-*" }
  require_encrypted_with    = ["golden-ami"]
  require_hardening_verdict = "excellent"
  max_age                   = "a month"
}
source "file" "x" {
  target  = "x.txt"
  content = data.golden-ami.base.id
}
build { sources = ["source.file.x"] }
`)
	res := pk.Run(t, t.Context(), bad, nil, "validate", ".")
	out := strings.Join(strings.Fields(res.Output), " ")
	for _, want := range []string{
		`family: not a family name: "debian 12, golden"`,
		`owners: "me" is not an owner`,
		`filters: not an image filter: "nmae" is not a DescribeImages filter`,
		`require_encrypted_with: `,
		`require_hardening_verdict: the verdict is read from the verified provenance record: add require_provenance`,
		`require_hardening_verdict: not a verdict expression: "excellent"`,
		`max_age: not an age: "a month"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("packer validate does not say %q", want)
		}
	}
	if res.ExitCode == 0 {
		t.Errorf("packer validate of a wrong golden-ami exited 0")
	}
	if calls := rig.Proxy().Calls(); len(calls) != 0 {
		t.Errorf("packer validate made %d AWS calls, want none", len(calls))
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
