package imagecopy

import (
	"fmt"
	"testing"
	"time"
)

// linear is a copy whose snapshot progress grows linearly to 100% at T, as
// the rig's moto reports it: whole percent, at most 99 while pending.
func linear(T, at time.Duration) (progress int, done bool) {
	if at >= T {
		return 100, true
	}
	return min(int(100*at/T), 99), false
}

// simulate runs the schedule against a copy of total time T whose progress
// starts after startDelay; it returns the detection delay and the polls.
func simulate(T, startDelay time.Duration) (delay time.Duration, polls int) {
	var samples []sample
	for polls < 100 {
		at, _ := nextPoll(samples)
		polls++
		p, done := linear(T-startDelay, at-startDelay)
		if at < startDelay {
			p = 0
		}
		if done {
			return at - T, polls
		}
		samples = append(samples, sample{at: at, progress: p})
	}
	return -1, polls
}

func TestScheduleMeetsTheGoal(t *testing.T) {
	for _, T := range []time.Duration{3 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 137 * time.Second,
		10 * time.Minute, time.Hour, 6 * time.Hour} {
		t.Run(T.String(), func(t *testing.T) {
			delay, polls := simulate(T, 0)
			t.Logf("T=%v: noticed %v late after %d polls", T, delay, polls)
			if limit := max(T/10, time.Second); delay < 0 || delay > limit {
				t.Errorf("detection delay %v, want at most %v", delay, limit)
			}
			// 12 with the describes around the wait, and one more per maxGap of a long copy
			if limit := 10 + int(T/maxGap); polls > limit {
				t.Errorf("%d polls, want at most %d", polls, limit)
			}
		})
	}
}

func TestScheduleSurvivesALateStart(t *testing.T) {
	// Real copies report 0% for a while before progress starts.
	for _, tc := range []struct{ T, start time.Duration }{{5 * time.Minute, time.Minute}, {20 * time.Minute, 4 * time.Minute}} {
		t.Run(fmt.Sprint(tc.T, tc.start), func(t *testing.T) {
			delay, polls := simulate(tc.T, tc.start)
			t.Logf("T=%v, start %v: noticed %v late after %d polls", tc.T, tc.start, delay, polls)
			if delay < 0 || delay > tc.T/4 || polls > 16 {
				t.Errorf("delay %v after %d polls, want at most %v and 16", delay, polls, tc.T/4)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	s := time.Second
	tests := []struct {
		name    string
		samples []sample
		lo, hi  time.Duration
		ok      bool
	}{
		{name: "none"},
		{name: "unknown progress", samples: []sample{{s, -1}}},
		{name: "zero", samples: []sample{{s, 0}}, lo: 100 * s, ok: true},
		{name: "ten percent", samples: []sample{{s, 10}}, lo: 100 * s / 11, hi: 10 * s, ok: true},
		{name: "intersected", samples: []sample{{s, 10}, {4 * s, 40}}, lo: 400 * s / 41, hi: 10 * s, ok: true},
		{name: "contradicting older sample ignored", samples: []sample{{s, 50}, {4 * s, 40}}, lo: 400 * s / 41, hi: 10 * s, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi, ok := bounds(tt.samples)
			if lo != tt.lo || hi != tt.hi || ok != tt.ok {
				t.Errorf("bounds() = %v, %v, %v, want %v, %v, %v", lo, hi, ok, tt.lo, tt.hi, tt.ok)
			}
		})
	}
}

func TestNextPollWithoutProgress(t *testing.T) {
	var samples []sample
	var at time.Duration
	for range 30 {
		at, _ = nextPoll(samples)
		samples = append(samples, sample{at: at, progress: -1})
	}
	gap := samples[29].at - samples[28].at
	if gap != blindMaxGap {
		t.Errorf("gap between blind polls after %v = %v, want %v", at, gap, blindMaxGap)
	}
}
