package seal

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// goldenReport is golden-harden's own test report: verdict fail, one rule set, two scripts.
var goldenReport = filepath.Join("..", "..", "internal", "hardening", "testdata", "report.json")

func TestReadHardening(t *testing.T) {
	report, err := os.ReadFile(goldenReport)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := hardening.ReadRendezvous(goldenReport)
	if err != nil {
		t.Fatal(err)
	}
	want := &provenance.Hardening{ReportSHA256: rv.SHA256, Verdict: "fail"}
	for _, d := range append(rv.Report.RuleSets, rv.Report.Runner) {
		want.RuleSets = append(want.RuleSets, provenance.File{Path: d.Name, SHA256: d.SHA256})
	}
	for _, s := range rv.Report.Scripts {
		want.Scripts = append(want.Scripts, provenance.File{Path: s.Name, SHA256: s.SHA256})
	}
	tests := []struct {
		name       string
		rendezvous []byte // nil: none
		block      map[string]interface{}
		want       *provenance.Hardening
		err        string
	}{
		{name: "from the rendezvous", rendezvous: report, want: want},
		{name: "not hardened", want: nil},
		{name: "required and missing", block: map[string]interface{}{"require_hardening": true},
			err: `provenance: require_hardening is set but golden-harden left no report for build "debian" of run run-1`},
		{name: "required and present", rendezvous: report, block: map[string]interface{}{"require_hardening": true}, want: want},
		{name: "explicit path wins", rendezvous: []byte("{}"), block: map[string]interface{}{"harden_report": goldenReport}, want: want},
		{name: "explicit path missing", block: map[string]interface{}{"harden_report": "testdata/none.json"},
			err: "provenance: harden_report: reading the hardening report: open testdata/none.json"},
		{name: "invalid report", rendezvous: []byte(`{"version": 1}`), err: "hardening report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			block := map[string]interface{}{"kms_key_id": "alias/golden-provenance", "directory": t.TempDir(), "rendezvous_dir": dir}
			for k, v := range tt.block {
				block[k] = v
			}
			var c Config
			if err := c.Prepare(map[string]interface{}{"packer_build_name": "debian", "provenance": block}); err != nil {
				t.Fatal(err)
			}
			path, err := hardening.RendezvousPath(dir, "run-1", "debian")
			if err != nil {
				t.Fatal(err)
			}
			if tt.rendezvous != nil {
				if err := hardening.WriteFileAtomic(path, tt.rendezvous, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := c.readHardening(&packersdk.MockUi{}, "run-1")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("readHardening() = %v, want %q", err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.record); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the rendezvous is left behind: %v", err)
			}
		})
	}
}

func TestRendezvousRemovedWithoutProvenance(t *testing.T) {
	var c Config
	if err := c.Prepare(map[string]interface{}{"packer_build_name": "debian-" + t.Name()}); err != nil {
		t.Fatal(err)
	}
	path, err := hardening.RendezvousPath("", "run-"+t.Name(), c.PackerBuildName)
	if err != nil {
		t.Fatal(err)
	}
	if err := hardening.WriteFileAtomic(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.readHardening(&packersdk.MockUi{}, "run-"+t.Name()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the rendezvous is left behind: %v", err)
	}
}
