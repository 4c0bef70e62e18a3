package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// buildRegion is where the amazon-ebs builder runs in every pipeline test.
const buildRegion = "us-east-1"

// pipeline is one test's set of stand-ins and a packer that reaches only them.
type pipeline struct {
	AWS      *awstest.Rig
	Instance *sandboxtest.SSH
	Packer   *packertest.Packer
	Dir      string // the template's folder
}

// newPipeline starts (or resets) moto and a fresh sandbox, and copies the named
// templates from testdata/ or ../example/ into a temporary folder.
func newPipeline(t *testing.T, templates ...string) *pipeline {
	t.Helper()
	p := &pipeline{
		AWS:      awstest.Shared(t),
		Instance: sandboxtest.StartSSH(t),
		Packer:   packertest.New(t),
		Dir:      t.TempDir(),
	}
	p.Packer.Env = p.AWS.Env()
	for _, name := range templates {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p.Dir, filepath.Base(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// vars are the template variables that point amazon-ebs at the stand-ins.
func (p *pipeline) vars() []string {
	return []string{
		"PKR_VAR_region=" + buildRegion,
		"PKR_VAR_source_ami=" + awstest.SourceAMIID,
		fmt.Sprintf("PKR_VAR_ssh_port=%d", p.Instance.Port),
		"PKR_VAR_ssh_private_key_file=" + p.Instance.PrivateKey,
	}
}

// build runs `packer build` of the folder and fails the test when packer fails.
func (p *pipeline) build(t *testing.T, env ...string) packertest.Result {
	t.Helper()
	res := p.Packer.Run(t, t.Context(), p.Dir, append(p.vars(), env...), "build", "-color=false", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer build exited %d", res.ExitCode)
	}
	return res
}
