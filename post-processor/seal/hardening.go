package seal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// hardeningReport is the golden-harden report a seal records.
type hardeningReport struct {
	path   string
	record *provenance.Hardening // nil: the build was not hardened
}

// readHardening reads the build's golden-harden report: harden_report when
// set, else the rendezvous file golden-harden left for this run and build.
// It removes the rendezvous file whatever happens next, so that no report
// outlives the build in the temporary directory; failing to is a warning.
func (c *Config) readHardening(ui packersdk.Ui, runID string) (hardeningReport, error) {
	p := c.Provenance
	dir := hardening.DefaultRendezvousDir()
	if p != nil {
		dir = p.RendezvousDir
	}
	rv, keyErr := hardening.RendezvousPath(dir, runID, c.PackerBuildName)
	var report hardeningReport
	var err error
	switch {
	case p == nil:
	case p.HardenReport != "":
		if report, err = readReport(p.HardenReport); err != nil {
			err = fmt.Errorf("provenance: harden_report: %w: give the path of a golden-harden JSON report, or remove harden_report to use the one golden-harden leaves for golden-seal", err)
		}
	case keyErr == nil:
		if report, err = readReport(rv); errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
	}
	if keyErr == nil {
		if rerr := removeRendezvous(rv); rerr != nil {
			ui.Error(fmt.Sprintf("Warning: removing golden-harden's report for golden-seal: %v: remove it by hand", rerr))
		}
	}
	if err == nil && report.record == nil && p != nil && p.RequireHardening {
		err = fmt.Errorf("provenance: require_hardening is set but golden-harden left no report for build %q of run %s in %s: "+
			"run the golden-harden provisioner in this build (with the same rendezvous_dir), or set harden_report", c.PackerBuildName, runID, dir)
	}
	return report, err
}

func readReport(path string) (hardeningReport, error) {
	rv, err := hardening.ReadRendezvous(path)
	if err != nil {
		return hardeningReport{}, err
	}
	h := &provenance.Hardening{ReportSHA256: rv.SHA256, Verdict: string(rv.Report.Verdict)}
	for _, d := range append(rv.Report.RuleSets, rv.Report.Runner) {
		if d.SHA256 != "" {
			h.RuleSets = append(h.RuleSets, provenance.File{Path: d.Name, SHA256: d.SHA256})
		}
	}
	for _, s := range rv.Report.Scripts {
		h.Scripts = append(h.Scripts, provenance.File{Path: s.Name, SHA256: s.SHA256})
	}
	return hardeningReport{path: path, record: h}, nil
}

// removeRendezvous removes the rendezvous file, its run's folder once no
// other build's report is in it, and the folders of runs whose packer exited.
func removeRendezvous(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	run := filepath.Dir(path)
	if reports, _ := filepath.Glob(filepath.Join(run, "*.json")); len(reports) == 0 {
		hardening.RemoveRunFolder(run)
	}
	hardening.SweepRendezvous(filepath.Dir(run), filepath.Base(run), time.Now())
	return nil
}
