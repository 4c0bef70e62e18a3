package e2e

import (
	"flag"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/benchdoc"
)

var benchLong = flag.Duration("bench.long", 0, "BenchmarkPipeline: also seal once with copies pending this long (make bench BENCH_LONG=1: 600s)")

// BenchmarkPipeline measures items 1–4 of the benchmarks (benchdoc.Full):
// whole `packer build`s of testdata/bench.pkr.hcl, plain, anchor and ours, one
// round of every case per iteration: -benchtime=3x for three rounds.
// -bench.out writes the results for internal/cmd/benchdoc (make bench).
func BenchmarkPipeline(b *testing.B) {
	plan := benchdoc.Full
	plan.Long = *benchLong
	res := newBenchRig(b).rounds(b, plan, b.Loop)
	for _, v := range plan.Verdicts(res) {
		b.Log(v)
	}
	writeBenchResult(b, benchdoc.PipelineFile, res)
}

// TestBenchRatios is the quick subset of the benchmarks that make test runs:
// the ratios of items 1 and 2 at small T (benchdoc.CI), medians of three
// rounds. It fails, giving the figures, when a goal is missed.
func TestBenchRatios(t *testing.T) {
	rounds := 0
	res := newBenchRig(t).rounds(t, benchdoc.CI, func() bool { rounds++; return rounds <= 3 })
	for _, v := range benchdoc.CI.Verdicts(res) {
		if v.Pass {
			t.Log(v)
		} else {
			t.Error(v)
		}
	}
	t.Logf("for comparison, the amazon plugin encrypting and copying itself: ours %s", benchdoc.OverAnchor(res, benchdoc.CI.AnchorTs[0], benchdoc.CI.Regions).Figure)
}
