package benchdoc

import (
	"flag"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func s(seconds float64) time.Duration { return time.Duration(seconds * float64(time.Second)) }

// runs is one case's runs, a wall time each (golden-seal's part one second less).
func runs(c Case, walls ...float64) []Run {
	var out []Run
	for i, w := range walls {
		r := Run{Case: c, Round: i, Wall: s(w), Calls: 20 + 10*c.Regions}
		if c.Pipeline != Plain {
			r.Seal = s(w - 1)
			for n := range c.Regions {
				r.Copies = append(r.Copies, Copy{Region: benchRegion(n), Delay: s(0.1 + 0.05*float64(n+i)), Polls: 4})
			}
		}
		if c.Throttle > 0 {
			r.Throttled = 8
		}
		out = append(out, r)
	}
	return out
}

func benchRegion(n int) string { return []string{"us-east-1", "eu-west-1", "ap-south-1"}[n%3] }

// fixturePipeline is a full benchmark's results, three rounds.
func fixturePipeline() Pipeline {
	p := Pipeline{Plan: Full, Rounds: 3}
	add := func(c Case, walls ...float64) { p.Runs = append(p.Runs, runs(c, walls...)...) }
	add(PlainCase, 1.4, 1.3, 1.5)
	add(Case{Pipeline: Anchor, Regions: 3, CopyTime: s(10)}, 15.6, 16.3, 14.5)
	add(Case{Pipeline: Seal, Regions: 3, CopyTime: s(10)}, 11.4, 11.5, 11.6)
	add(Case{Pipeline: Seal, Regions: 3, CopyTime: s(10), Throttle: 0.3}, 17.6, 15.2, 16.1)
	add(Case{Pipeline: Anchor, Regions: 3, CopyTime: s(30)}, 58.8, 57.1, 60.2)
	add(Case{Pipeline: Seal, Regions: 3, CopyTime: s(30)}, 31.6, 31.4, 31.9)
	for i, n := range Full.ScalingRegions {
		w := 11.3 + 0.25*float64(i)
		add(Case{Pipeline: Seal, Regions: n, CopyTime: s(10)}, w, w+0.1, w-0.1)
	}
	add(Case{Pipeline: Seal, Regions: 3, CopyTime: s(60)}, 61.8, 62.0, 61.9)
	return p
}

func fixtureHarden() *Harden {
	ms := func(vs ...int) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	return &Harden{Rounds: 3, Scripts: []int{1, 10, 50}, Rules: 74, Enforce: 30 * time.Second, EnforceAgain: 2 * time.Second,
		Builds: map[string][]time.Duration{
			"none":    ms(600, 590, 610),
			"shell/1": ms(760, 750, 770), "golden-harden/1": ms(735, 730, 740),
			"shell/10": ms(1400, 1390, 1410), "golden-harden/10": ms(900, 890, 910),
			"shell/50": ms(3300, 3290, 3310), "golden-harden/50": ms(1500, 1490, 1510),
			"baseline-audit": ms(3400, 3390, 3410),
		}}
}

func fixtureProvenance() []GoBench {
	return ParseGoBench(`BenchmarkStatement-2   13558   81251 ns/op   19862 B/op   296 allocs/op
BenchmarkStatement-2   18301   78020 ns/op   19874 B/op   296 allocs/op
BenchmarkSignLocalECDSA-2   8667   147124 ns/op   33127 B/op   192 allocs/op
BenchmarkSignLocalECDSA-2   5992   148630 ns/op   33134 B/op   192 allocs/op
BenchmarkVerify-2   5086   198115 ns/op   5150 envelopes/cpu-s   35154 B/op   276 allocs/op
BenchmarkVerify-2   5337   196348 ns/op   5212 envelopes/cpu-s   35183 B/op   276 allocs/op
`)
}

func fixtureInputs() Inputs {
	p := fixturePipeline()
	return Inputs{
		Machine: Machine{CPU: "Intel(R) Xeon(R) Processor", Cores: 2, MemoryBytes: 24 << 30, Kernel: "6.1.0", Platform: "linux/amd64",
			Go: "go1.26.8", Packer: "v1.16.0", Amazon: "v1.8.1", Plugin: "0.1.0-dev (commit 0123abc)", Moto: "5.2.1",
			Load: [3]float64{0.4, 0.6, 0.9}, Started: time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)},
		Pipeline: &p, Harden: fixtureHarden(), Provenance: fixtureProvenance(),
		ECDSA:   ParseGoBench("BenchmarkVerify/P256-2   24439   90874 ns/op\n"),
		LoadEnd: [3]float64{0.5, 0.7, 0.9}, Elapsed: 19 * time.Minute,
	}
}
