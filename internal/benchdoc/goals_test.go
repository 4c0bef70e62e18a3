package benchdoc

import (
	"testing"
	"time"
)

func TestVerdicts(t *testing.T) {
	full := fixturePipeline()
	with := func(c Case, walls ...float64) Pipeline {
		p := fixturePipeline()
		var kept []Run
		for _, r := range p.Runs {
			if r.Case != c {
				kept = append(kept, r)
			}
		}
		p.Runs = append(kept, runs(c, walls...)...)
		return p
	}
	late := fixturePipeline()
	late.Runs[len(late.Runs)-4].Copies[0].Delay = s(3.5) // a run at T = 10 s
	polled := fixturePipeline()
	polled.Runs[len(polled.Runs)-4].Copies[1].Polls = 13
	slowVerify := ParseGoBench("BenchmarkVerify-2   5086   210000 ns/op   4800 envelopes/cpu-s\n")
	slowHarden := fixtureHarden()
	slowHarden.Builds["golden-harden/1"] = []time.Duration{800 * time.Millisecond}
	tests := []struct {
		name     string
		v        Verdict
		measured bool
		pass     bool
		figure   string
	}{
		{"scaling", Scaling(full, s(10), 1, 16), true, true, "1.097 (11.3 s / 10.3 s; whole builds 12.3 s / 11.3 s)"},
		{"scaling missed", Scaling(with(Case{Pipeline: Seal, Regions: 16, CopyTime: s(10)}, 13), s(10), 1, 16), true, false, "1.165 (12.0 s / 10.3 s; whole builds 13.0 s / 11.3 s)"},
		{"scaling unmeasured", Scaling(Pipeline{}, s(10), 1, 16), false, false, ""},
		{"over the build", OverBuild(full, s(10), 3), true, true, "1.009 × (T + plain): 11.5 s vs 10.0 s + 1.40 s"},
		{"over the build missed", OverBuild(with(Case{Pipeline: Seal, Regions: 3, CopyTime: s(10)}, 12.6), s(10), 3), true, false, "1.105 × (T + plain): 12.6 s vs 10.0 s + 1.40 s"},
		{"over the anchor", OverAnchor(full, s(30), 3), true, true, "0.54 × anchor: 31.6 s vs 58.8 s"},
		{"over a faster anchor", OverAnchor(with(Case{Pipeline: Anchor, Regions: 3, CopyTime: s(30)}, 48.8), s(30), 3), true, false, "0.65 × anchor: 31.6 s vs 48.8 s"},
		{"detection", Detection(full, s(10)), true, true, "latest 0.95 s (9.5% of T; median 0.30 s), polls ≤ 4 (median 4), 102 copies"},
		{"detection late", Detection(late, s(10)), true, false, "latest 3.50 s (35.0% of T; median 0.30 s), polls ≤ 4 (median 4), 102 copies"},
		{"detection with many polls", Detection(polled, s(10)), true, false, "latest 0.95 s (9.5% of T; median 0.30 s), polls ≤ 13 (median 4), 102 copies"},
		{"detection at 600 s unmeasured", Detection(full, s(600)), false, false, ""},
		{"throttled", Throttled(full, s(10), 3, 0.3), true, true, "1.44× (15.1 s vs 10.5 s; whole builds 1.40×)"},
		{"throttled missed", Throttled(with(Case{Pipeline: Seal, Regions: 3, CopyTime: s(10), Throttle: 0.3}, 25), s(10), 3, 0.3), true, false, "2.29× (24.0 s vs 10.5 s; whole builds 2.17×)"},
		{"harden", HardenRatio(fixtureHarden(), 1, MaxHardenOne), true, true, "0.84 (135 ms vs 160 ms)"},
		{"harden missed", HardenRatio(slowHarden, 1, MaxHardenOne), true, false, "1.25 (200 ms vs 160 ms)"},
		{"harden unmeasured", HardenRatio(nil, 50, MaxHardenFifty), false, false, ""},
		{"verify", VerifyRate(fixtureProvenance()), true, true, "5181 /s per core (5150–5212)"},
		{"verify missed", VerifyRate(slowVerify), true, false, "4800 /s per core (4800–4800)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Measured != tt.measured || tt.v.Pass != tt.pass || tt.v.Figure != tt.figure {
				t.Errorf("%s: measured %v, pass %v, figure %q; want %v, %v, %q", tt.v.Goal, tt.v.Measured, tt.v.Pass, tt.v.Figure, tt.measured, tt.pass, tt.figure)
			}
		})
	}
}

func TestPlanRoundPairsTheComparisons(t *testing.T) {
	got := Full.Round()
	index := func(c Case) int {
		for i, x := range got {
			if x == c {
				return i
			}
		}
		t.Fatalf("%v is not in the round", c)
		return -1
	}
	for _, T := range Full.AnchorTs {
		a, o := index(Case{Pipeline: Anchor, Regions: 3, CopyTime: T}), index(Case{Pipeline: Seal, Regions: 3, CopyTime: T})
		if o != a+1 {
			t.Errorf("T = %v: anchor at %d, ours at %d; want them side by side", T, a, o)
		}
	}
	if plain, thr := index(Case{Pipeline: Seal, Regions: 3, CopyTime: s(10)}), index(Case{Pipeline: Seal, Regions: 3, CopyTime: s(10), Throttle: 0.3}); thr != plain+1 {
		t.Errorf("throttled at %d, unthrottled at %d; want them side by side", thr, plain)
	}
	if n := len(got); n != 12 {
		t.Errorf("%d cases a round, want 12 (plain, 2 × anchor and ours, throttled, 4 more region counts, T = 60 s): %v", n, got)
	}
}
