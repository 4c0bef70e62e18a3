package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

// TestRetentionValidate: packer validate reports every wrong lifecycle
// setting of golden-seal at once, offline.
func TestRetentionValidate(t *testing.T) {
	lifecycleNeedsRig(t)
	rig := awstest.Shared(t)
	pk := packertest.New(t)
	pk.Env = rig.Env()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.pkr.hcl"), requiredPlugins("golden")+`
source "file" "x" {
  target  = "x.txt"
  content = "x"
}
build {
  sources = ["source.file.x"]
  post-processor "golden-seal" {
    region            = "eu-west-1"
    source_ami_owners = ["debian"]
    tags              = { "golden:source-ami" = "ami-1" }
    retention {
      keep_latest = 2
      max_age     = "3 months"
    }
  }
}
`)
	res := pk.Run(t, t.Context(), dir, nil, "validate", ".")
	out := strings.Join(strings.Fields(res.Output), " ")
	for _, want := range []string{
		"retention: it acts on the images tagged golden:family: set family",
		`retention.max_age: not an age: "3 months"`,
		`source_ami_owners: "debian" is not an owner`,
		`tags["golden:source-ami"]: golden-seal writes this tag itself`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("packer validate does not say %q", want)
		}
	}
	if res.ExitCode == 0 {
		t.Error("packer validate of wrong lifecycle settings exited 0")
	}
	if calls := rig.Proxy().Calls(); len(calls) != 0 {
		t.Errorf("packer validate made %d AWS calls, want none", len(calls))
	}
}
