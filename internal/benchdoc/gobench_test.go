package benchdoc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
pkg: github.com/goldenami/packer-plugin-golden/internal/provenance
BenchmarkStatement-2        	   13558	     81251 ns/op	   19862 B/op	     296 allocs/op
BenchmarkVerify-2           	    5086	    348115 ns/op	      4150 envelopes/cpu-s	   35154 B/op	     276 allocs/op
BenchmarkVerify/P256-2         	   24439	     90874 ns/op
BenchmarkPlain	10	5 ns/op
BenchmarkBroken-2   	 many	  1 ns/op
--- BENCH: BenchmarkVerify-2
PASS
`
	want := []GoBench{
		{Name: "BenchmarkStatement", Procs: 2, N: 13558, Metrics: map[string]float64{"ns/op": 81251, "B/op": 19862, "allocs/op": 296}},
		{Name: "BenchmarkVerify", Procs: 2, N: 5086, Metrics: map[string]float64{"ns/op": 348115, "envelopes/cpu-s": 4150, "B/op": 35154, "allocs/op": 276}},
		{Name: "BenchmarkVerify/P256", Procs: 2, N: 24439, Metrics: map[string]float64{"ns/op": 90874}},
		{Name: "BenchmarkPlain", Procs: 1, N: 10, Metrics: map[string]float64{"ns/op": 5}},
	}
	if diff := cmp.Diff(want, ParseGoBench(out)); diff != "" {
		t.Errorf("ParseGoBench (-want +got):\n%s", diff)
	}
}
