package benchdoc

import (
	"strconv"
	"strings"
)

// GoBench is one result line of `go test -bench`:
// "BenchmarkVerify-2   5086   348115 ns/op   4150 envelopes/cpu-s   35154 B/op".
type GoBench struct {
	Name    string             // without the -GOMAXPROCS suffix
	Procs   int                // GOMAXPROCS; 1 when the name has no suffix
	N       int                // iterations
	Metrics map[string]float64 // by unit: "ns/op", "B/op", "allocs/op", custom units
}

// ParseGoBench reads the result lines of `go test -bench` output and skips
// every other line.
func ParseGoBench(text string) []GoBench {
	var out []GoBench
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		b := GoBench{Name: f[0], Procs: 1, N: n, Metrics: map[string]float64{}}
		if i := strings.LastIndexByte(f[0], '-'); i > 0 {
			if p, err := strconv.Atoi(f[0][i+1:]); err == nil {
				b.Name, b.Procs = f[0][:i], p
			}
		}
		ok := true
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			b.Metrics[f[i+1]] = v
		}
		if ok {
			out = append(out, b)
		}
	}
	return out
}

// metric returns the values of one unit over the runs of the named benchmark.
func metric(bs []GoBench, name, unit string) []float64 {
	var out []float64
	for _, b := range bs {
		if v, ok := b.Metrics[unit]; ok && b.Name == name {
			out = append(out, v)
		}
	}
	return out
}
