package benchdoc

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRenderGolden(t *testing.T) {
	got := Render(fixtureInputs())
	const golden = "testdata/benchmarks.golden.md"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", golden, diff)
	}
}

// A missed goal is marked in the table and explained under it.
func TestRenderExplainsMisses(t *testing.T) {
	in := fixtureInputs()
	p := fixturePipeline()
	var kept []Run
	for _, r := range p.Runs {
		if r.Pipeline != Anchor || r.CopyTime != s(30) {
			kept = append(kept, r)
		}
	}
	p.Runs = append(kept, runs(Case{Pipeline: Anchor, Regions: 3, CopyTime: s(30)}, 48.8)...)
	in.Pipeline = &p
	in.Provenance = ParseGoBench("BenchmarkVerify-2   5086   230000 ns/op   4300 envelopes/cpu-s\n")
	in.Harden.Builds["golden-harden/1"] = []time.Duration{800 * time.Millisecond}
	in.Harden.PluginStart = []time.Duration{31 * time.Millisecond, 33 * time.Millisecond, 32500 * time.Microsecond}
	got := Render(in)
	for _, want := range []string{
		"| 2 | ours ≤ 0.6 × anchor at T = 30 s, 3 regions | 0.65 × anchor: 31.6 s vs 48.8 s | **MISS** |",
		"The anchor took 48.8 s here",
		"≤ 0.6× holds only when it takes 52.7 s or more",
		"| 6 | verification ≥ 5000 envelopes/s per core | 4300 /s per core (4300–4300) | **MISS** |",
		"Verification takes 233 µs of CPU per envelope here, 91 µs of them (39%) the ECDSA P-256 check itself",
		"| 5 | golden-harden / shell ≤ 1.0 at 1 script | 1.25 (200 ms vs 160 ms) | **MISS** |",
		"32.5 ms from exec until it is ready (median of 3 starts",
		"(the whole build: 1.05×); from 10 scripts on it is 0.38× and less.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the document lacks %q:\n%s", want, got)
		}
	}
}
