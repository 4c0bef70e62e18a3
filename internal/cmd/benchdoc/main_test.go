package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/benchdoc"
)

func TestRenderReadsTheFolder(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := run([]string{"render", "-dir", dir, "-out", out}); err == nil || !strings.Contains(err.Error(), "run benchdoc machine first") {
		t.Errorf("render without machine.json: %v, want it to say to run benchdoc machine first", err)
	}
	m := benchdoc.Machine{CPU: "test CPU", Cores: 2, Started: time.Now().Add(-3 * time.Minute)}
	if err := writeJSON(filepath.Join(dir, benchdoc.MachineFile), m); err != nil {
		t.Fatal(err)
	}
	verify := "BenchmarkVerify-2   5086   190000 ns/op   5300 envelopes/cpu-s\n"
	if err := os.WriteFile(filepath.Join(dir, benchdoc.ProvenanceFile), []byte(verify), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"render", "-dir", dir, "-out", out}); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"- test CPU, 2 cores",
		"| 6 | verification ≥ 5000 envelopes/s per core | 5300 /s per core (5300–5300) | **PASS** |",
		"| 1 | golden-seal wall(16 regions) / wall(1) ≤ 1.15 at T = 10 s | – | **not measured** |",
		"in 3 minutes",
	} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("the document lacks %q:\n%s", want, doc)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, benchdoc.PipelineFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"render", "-dir", dir, "-out", out}); err == nil || !strings.Contains(err.Error(), benchdoc.PipelineFile) {
		t.Errorf("render with a broken pipeline.json: %v, want an error naming it", err)
	}
}
