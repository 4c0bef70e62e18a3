package harden

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

var unsafeFileName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// writeReports writes the JSON, JUnit and HTML reports into report_dir and the
// rendezvous copy for golden-seal, each atomically, and returns their paths.
func (p *Provisioner) writeReports(r *hardening.Report) ([]string, error) {
	data, err := r.Marshal()
	if err != nil {
		return nil, fmt.Errorf("golden-harden: encoding the report: %w", err)
	}
	junit, err := r.JUnit()
	if err != nil {
		return nil, fmt.Errorf("golden-harden: encoding the JUnit report: %w", err)
	}
	page, err := r.HTML()
	if err != nil {
		return nil, fmt.Errorf("golden-harden: rendering the HTML report: %w", err)
	}
	base := unsafeFileName.ReplaceAllString(p.config.PackerBuildName, "_")
	if base == "" || base == "." || base == ".." {
		base = "golden-harden"
	}
	var written []string
	var errs []error
	for _, f := range []struct {
		name string
		data []byte
	}{{base + ".json", data}, {base + ".junit.xml", junit}, {base + ".html", page}} {
		path := filepath.Join(p.config.ReportDir, f.name)
		if err := hardening.WriteFileAtomic(path, f.data, 0o644); err != nil {
			errs = append(errs, err)
			continue
		}
		written = append(written, path)
	}
	rv, err := hardening.WriteRendezvous(p.config.RendezvousDir, r.Run.PackerRunUUID, r.Run.BuildName, data)
	if err != nil {
		errs = append(errs, fmt.Errorf("the report for golden-seal: %w", err))
	} else {
		written = append(written, rv)
	}
	if err := errors.Join(errs...); err != nil {
		return written, fmt.Errorf("golden-harden: writing the reports: %w (set report_dir or rendezvous_dir to a writable directory)", err)
	}
	return written, nil
}
