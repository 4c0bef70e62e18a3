package benchdoc

import (
	"fmt"
	"slices"
	"time"
)

// The goals of the benchmark issue.
const (
	MaxScaling      = 1.15            // golden-seal wall(16 regions) / wall(1 region)
	MaxOverBuild    = 1.10            // ours ≤ 1.1 × (T + the plain build)
	MaxOverAnchor   = 0.60            // ours / anchor at T = 30 s
	MaxDelayShare   = 0.10            // detection delay ≤ 10% of T …
	MinDelayLimit   = 3 * time.Second // … or 3 s at small T
	MaxPolls        = 12              // Describe* calls per copy
	MaxThrottled    = 2.0             // wall with 30% throttling / without
	MaxHardenOne    = 1.0             // golden-harden / shell, 1 script
	MaxHardenFifty  = 0.5             // golden-harden / shell, 50 scripts
	MinVerifyPerSec = 5000            // envelopes verified per second per core
)

// PlainCase is the plain build every comparison with T subtracts.
var PlainCase = Case{Pipeline: Plain, Regions: 1}

// Verdict is one goal's outcome.
type Verdict struct {
	Item     int    // the numbered item
	Goal     string // the goal, with its limit
	Figure   string // what was measured
	Measured bool   // false when the benchmark did not run the cases it needs
	Pass     bool
}

// Status is PASS, MISS or "not measured".
func (v Verdict) Status() string {
	switch {
	case !v.Measured:
		return "not measured"
	case v.Pass:
		return "PASS"
	}
	return "MISS"
}

func (v Verdict) String() string {
	return fmt.Sprintf("%s: %s: %s", v.Status(), v.Goal, v.Figure)
}

// Scaling compares golden-seal's own wall time (Run.Seal) into to regions
// with that into from regions, at copy time T.
func Scaling(p Pipeline, T time.Duration, from, to int) Verdict {
	v := Verdict{Item: 1, Goal: fmt.Sprintf("golden-seal wall(%d regions) / wall(%d) ≤ %.2f at T = %s", to, from, MaxScaling, tsec(T))}
	a, b := p.Seals(Case{Pipeline: Seal, Regions: from, CopyTime: T}), p.Seals(Case{Pipeline: Seal, Regions: to, CopyTime: T})
	if len(a) == 0 || len(b) == 0 {
		return v
	}
	r := ratio(Median(b), Median(a))
	v.Measured, v.Pass = true, r <= MaxScaling
	v.Figure = fmt.Sprintf("%.3f (%s / %s; whole builds %s / %s)", r, secs(Median(b)), secs(Median(a)),
		secs(Median(p.Walls(Case{Pipeline: Seal, Regions: to, CopyTime: T}))), secs(Median(p.Walls(Case{Pipeline: Seal, Regions: from, CopyTime: T}))))
	return v
}

// OverBuild checks the whole build with golden-seal into regions against
// 1.1 × (T + the plain build's time).
func OverBuild(p Pipeline, T time.Duration, regions int) Verdict {
	v := Verdict{Item: 2, Goal: fmt.Sprintf("ours ≤ %.1f × (T + plain build) at T = %s, %d regions", MaxOverBuild, tsec(T), regions)}
	ours, plain := p.Walls(Case{Pipeline: Seal, Regions: regions, CopyTime: T}), p.Walls(PlainCase)
	if len(ours) == 0 || len(plain) == 0 {
		return v
	}
	base := T + Median(plain)
	r := ratio(Median(ours), base)
	v.Measured, v.Pass = true, r <= MaxOverBuild
	v.Figure = fmt.Sprintf("%.3f × (T + plain): %s vs %s + %s", r, secs(Median(ours)), secs(T), secs(Median(plain)))
	return v
}

// OverAnchor checks ours against the amazon plugin doing the same copies.
func OverAnchor(p Pipeline, T time.Duration, regions int) Verdict {
	v := Verdict{Item: 2, Goal: fmt.Sprintf("ours ≤ %.1f × anchor at T = %s, %d regions", MaxOverAnchor, tsec(T), regions)}
	ours, anchor := p.Walls(Case{Pipeline: Seal, Regions: regions, CopyTime: T}), p.Walls(Case{Pipeline: Anchor, Regions: regions, CopyTime: T})
	if len(ours) == 0 || len(anchor) == 0 {
		return v
	}
	r := ratio(Median(ours), Median(anchor))
	v.Measured, v.Pass = true, r <= MaxOverAnchor
	v.Figure = fmt.Sprintf("%.2f × anchor: %s vs %s", r, secs(Median(ours)), secs(Median(anchor)))
	return v
}

// DelayLimit is how late a copy of copy time T may be noticed.
func DelayLimit(T time.Duration) time.Duration {
	return max(time.Duration(MaxDelayShare*float64(T)), MinDelayLimit)
}

// Detection checks every copy golden-seal made with copy time T: the
// latest is noticed within DelayLimit(T), with at most MaxPolls polls.
func Detection(p Pipeline, T time.Duration) Verdict {
	v := Verdict{Item: 3, Goal: fmt.Sprintf("detection ≤ %s and ≤ %d polls per copy at T = %s", secs(DelayLimit(T)), MaxPolls, tsec(T))}
	copies := p.Copies(Seal, T)
	if len(copies) == 0 {
		return v
	}
	delays, polls := copyDelays(copies), copyPolls(copies)
	v.Measured = true
	v.Pass = slices.Max(delays) <= DelayLimit(T) && slices.Max(polls) <= MaxPolls
	v.Figure = fmt.Sprintf("latest %s (%.1f%% of T; median %s), polls ≤ %d (median %d), %d copies",
		secs(slices.Max(delays)), 100*slices.Max(delays).Seconds()/T.Seconds(), secs(Median(delays)), slices.Max(polls), Median(polls), len(copies))
	return v
}

// Throttled compares golden-seal's own wall time (Run.Seal) into regions
// with a share of EC2 calls throttled against the same build unthrottled.
// The whole builds' ratio is in the figure: their amazon-ebs part is
// throttled too.
func Throttled(p Pipeline, T time.Duration, regions int, share float64) Verdict {
	v := Verdict{Item: 4, Goal: fmt.Sprintf("golden-seal wall with %.0f%% RequestLimitExceeded ≤ %.0f × without", 100*share, MaxThrottled)}
	c := Case{Pipeline: Seal, Regions: regions, CopyTime: T}
	plain, plainWall := p.Seals(c), p.Walls(c)
	c.Throttle = share
	throttled, throttledWall := p.Seals(c), p.Walls(c)
	if len(plain) == 0 || len(throttled) == 0 {
		return v
	}
	r := ratio(Median(throttled), Median(plain))
	v.Measured, v.Pass = true, r <= MaxThrottled
	v.Figure = fmt.Sprintf("%.2f× (%s vs %s; whole builds %.2f×)", r, secs(Median(throttled)), secs(Median(plain)), ratio(Median(throttledWall), Median(plainWall)))
	return v
}

// HardenRatio checks golden-harden's provisioner time against the shell
// provisioner's for n scripts.
func HardenRatio(h *Harden, n int, limit float64) Verdict {
	v := Verdict{Item: 5, Goal: fmt.Sprintf("golden-harden / shell ≤ %.1f at %d script%s", limit, n, plural(n))}
	sh, gh := fmt.Sprintf("shell/%d", n), fmt.Sprintf("golden-harden/%d", n)
	if h == nil || len(h.Builds[sh]) == 0 || len(h.Builds[gh]) == 0 {
		return v
	}
	r := ratio(h.Provisioner(gh), h.Provisioner(sh))
	v.Measured, v.Pass = true, r <= limit
	v.Figure = fmt.Sprintf("%.2f (%d ms vs %d ms)", r, h.Provisioner(gh).Milliseconds(), h.Provisioner(sh).Milliseconds())
	return v
}

// VerifyRate checks the verification benchmark's envelopes per CPU second.
func VerifyRate(bs []GoBench) Verdict {
	v := Verdict{Item: 6, Goal: fmt.Sprintf("verification ≥ %d envelopes/s per core", MinVerifyPerSec)}
	rates := metric(bs, "BenchmarkVerify", verifyMetric)
	if len(rates) == 0 {
		return v
	}
	lo, hi := span(rates)
	v.Measured, v.Pass = true, Median(rates) >= MinVerifyPerSec
	v.Figure = fmt.Sprintf("%.0f /s per core (%.0f–%.0f)", Median(rates), lo, hi)
	return v
}

// verifyMetric is the unit BenchmarkVerify reports its rate in.
const verifyMetric = "envelopes/cpu-s"

func copyDelays(cs []Copy) []time.Duration {
	out := make([]time.Duration, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Delay)
	}
	return out
}

func copyPolls(cs []Copy) []int {
	out := make([]int, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Polls)
	}
	return out
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// secs writes a duration in seconds, to the hundredth below 10 s.
func secs(d time.Duration) string {
	if d < 10*time.Second && d > -10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// tsec writes a copy time in seconds: "10 s", "600 s".
func tsec(d time.Duration) string { return fmt.Sprintf("%g s", d.Seconds()) }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
