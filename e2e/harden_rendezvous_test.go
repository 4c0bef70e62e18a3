package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// TestHardenRendezvousSwept: a build that fails after golden-harden never
// reaches golden-seal, which removes the report golden-harden left for it;
// Packer kills its plugins with SIGKILL, so the next golden-harden removes
// it, as its packer process is gone.
func TestHardenRendezvousSwept(t *testing.T) {
	s := sandboxtest.StartSSH(t)
	p := packertest.New(t)
	dir := t.TempDir()
	tpl := hardenTemplate(s, dir, "    profile = \"none\"\n    inline  = [\"echo hardened\"]")
	tpl = strings.TrimSuffix(tpl, "}\n") + "  provisioner \"shell\" {\n    inline = [\"exit 3\"]\n  }\n}\n"
	writeHardenFile(t, dir, "harden.pkr.hcl", tpl)
	rendezvous := filepath.Join(dir, "rendezvous")

	runs := func() []string {
		t.Helper()
		entries, err := os.ReadDir(rendezvous)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	var first []string
	for i := range 2 {
		res := p.Run(t, t.Context(), dir, nil, "build", "-color=false", ".")
		if res.ExitCode == 0 || !strings.Contains(res.Output, "exit status 3") && !strings.Contains(res.Output, "non-zero exit status: 3") {
			t.Fatalf("build %d: exit %d, want the shell provisioner after golden-harden to fail it:\n%s", i+1, res.ExitCode, res.Output)
		}
		got := runs()
		if len(got) != 1 {
			t.Fatalf("after build %d the rendezvous directory holds %v, want one run's folder (the last build's)", i+1, got)
		}
		if i == 0 {
			first = got
		} else if got[0] == first[0] {
			t.Errorf("the folder of the first build's run, %s, outlived the second build", first[0])
		}
	}
}
