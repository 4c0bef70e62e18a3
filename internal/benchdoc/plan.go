package benchdoc

import (
	"slices"
	"time"
)

// Plan says which pipeline cases a benchmark run measures; the harness
// builds its rounds from it and the document and the goal checks follow it.
type Plan struct {
	ScalingT       time.Duration   `json:"scaling_t"`       // item 1: golden-seal into each of ScalingRegions
	ScalingRegions []int           `json:"scaling_regions"` // the first and the last are compared
	Regions        int             `json:"regions"`         // items 2–4: the regions of the comparisons
	AnchorTs       []time.Duration `json:"anchor_ts"`       // item 2: plain, anchor and ours at each
	AnchorGoalT    time.Duration   `json:"anchor_goal_t"`   // item 2: where ours ≤ 0.6 × anchor is checked; 0: nowhere
	DetectionTs    []time.Duration `json:"detection_ts"`    // item 3: ours at each, besides the Ts above
	Long           time.Duration   `json:"long,omitempty"`  // item 3: ours at this T, once after the rounds
	ThrottleT      time.Duration   `json:"throttle_t,omitempty"`
	Throttle       float64         `json:"throttle,omitempty"` // item 4: this share of EC2 calls throttled at ThrottleT
}

// Full is what `make bench` measures (Long is set by a flag).
var Full = Plan{
	ScalingT:       10 * time.Second,
	ScalingRegions: []int{1, 2, 4, 8, 16},
	Regions:        3,
	AnchorTs:       []time.Duration{10 * time.Second, 30 * time.Second},
	AnchorGoalT:    30 * time.Second,
	DetectionTs:    []time.Duration{10 * time.Second, 60 * time.Second},
	ThrottleT:      10 * time.Second,
	Throttle:       0.3,
}

// CI is the quick regression subset `make test` runs: the ratios of items
// 1 and 2 at small T.
var CI = Plan{
	ScalingT:       5 * time.Second,
	ScalingRegions: []int{1, 8},
	Regions:        3,
	AnchorTs:       []time.Duration{10 * time.Second},
}

// Round lists the cases of one round, the plain build first, each anchor
// run beside ours at the same T and the throttled run beside the same run
// unthrottled. Harnesses alternate the order between
// rounds so that a change of load hits both sides of each comparison.
func (p Plan) Round() []Case {
	cases := []Case{PlainCase}
	add := func(c Case) {
		if !slices.Contains(cases, c) {
			cases = append(cases, c)
		}
	}
	throttled := func(T time.Duration) {
		if p.Throttle > 0 && T == p.ThrottleT {
			add(Case{Pipeline: Seal, Regions: p.Regions, CopyTime: T})
			add(Case{Pipeline: Seal, Regions: p.Regions, CopyTime: T, Throttle: p.Throttle})
		}
	}
	for _, T := range p.AnchorTs {
		add(Case{Pipeline: Anchor, Regions: p.Regions, CopyTime: T})
		add(Case{Pipeline: Seal, Regions: p.Regions, CopyTime: T})
		throttled(T)
	}
	throttled(p.ThrottleT)
	for _, n := range p.ScalingRegions {
		add(Case{Pipeline: Seal, Regions: n, CopyTime: p.ScalingT})
	}
	for _, T := range p.DetectionTs {
		add(Case{Pipeline: Seal, Regions: p.Regions, CopyTime: T})
	}
	return cases
}

// Once lists the cases run once, after the rounds.
func (p Plan) Once() []Case {
	if p.Long == 0 {
		return nil
	}
	return []Case{{Pipeline: Seal, Regions: p.Regions, CopyTime: p.Long}}
}

// Verdicts checks the pipeline goals (items 1 to 4) the plan measures.
func (p Plan) Verdicts(pipe Pipeline) []Verdict {
	var out []Verdict
	if len(p.ScalingRegions) > 1 {
		out = append(out, Scaling(pipe, p.ScalingT, p.ScalingRegions[0], p.ScalingRegions[len(p.ScalingRegions)-1]))
	}
	for _, T := range p.AnchorTs {
		out = append(out, OverBuild(pipe, T, p.Regions))
		if T == p.AnchorGoalT {
			out = append(out, OverAnchor(pipe, T, p.Regions))
		}
	}
	for _, T := range p.detectionTs() {
		out = append(out, Detection(pipe, T))
	}
	if p.Throttle > 0 {
		out = append(out, Throttled(pipe, p.ThrottleT, p.Regions, p.Throttle))
	}
	return out
}

// detectionTs are the copy times of item 3 in increasing order.
func (p Plan) detectionTs() []time.Duration {
	ts := slices.Clone(p.DetectionTs)
	if p.Long > 0 {
		ts = append(ts, p.Long)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}
