package imagecopy

import (
	"math"
	"time"
)

// The adaptive wait. AWS reports a copy's snapshot Progress as a whole
// percentage; while it grows about linearly from CopyImage, a sample of p%
// at elapsed e bounds the copy's total time T to (100e/(p+1), 100e/p]. The
// wait polls early and then at growing intervals until the bounds are
// narrower than the tolerance, then once just after the upper bound. A
// fixed or exponential backoff cannot both notice completion within 10% of T
// and poll few times for T from seconds to hours; this does both with about
// log4(T) polls.
const (
	firstPoll = time.Second // the first sample
	growth    = 4           // no poll later than growth × the elapsed time at the last one
	refine    = 0.9         // refining polls go no later than refine × the lower bound
	minGap    = 250 * time.Millisecond
	maxGap    = 15 * time.Minute // a copy that reports no progress for long is still looked at
	// blindGrowth and blindMaxGap pace polls when no progress is reported.
	blindGrowth = 1.5
	blindMaxGap = 30 * time.Second
)

// tolerance is how far after completion the final poll may land.
func tolerance(lo time.Duration) time.Duration {
	return max(lo/20, 500*time.Millisecond)
}

// margin is added to the upper bound, for the offset between our clock and
// the copy's start.
func margin(hi time.Duration) time.Duration {
	return max(hi/100, 100*time.Millisecond)
}

// sample is one observation of a pending copy.
type sample struct {
	at       time.Duration // since CopyImage was sent
	progress int           // percent of the least advanced snapshot; -1 unknown
}

// bounds returns the interval of total copy times consistent with the
// samples, newest first; samples that contradict newer ones (progress that
// is not linear) are ignored. hi is 0 when unbounded; ok is false when no
// sample reports progress.
func bounds(samples []sample) (lo, hi time.Duration, ok bool) {
	lo, hi = 0, time.Duration(math.MaxInt64)
	for i := len(samples) - 1; i >= 0; i-- {
		s := samples[i]
		if s.progress < 0 || s.progress >= 100 {
			continue
		}
		slo := time.Duration(float64(s.at) * 100 / float64(s.progress+1))
		shi := time.Duration(math.MaxInt64)
		if s.progress > 0 {
			shi = time.Duration(float64(s.at) * 100 / float64(s.progress))
		}
		if ok && (slo > hi || shi < lo) {
			continue
		}
		lo, hi, ok = max(lo, slo), min(hi, shi), true
	}
	if hi == time.Duration(math.MaxInt64) {
		hi = 0
	}
	return lo, hi, ok
}

// nextPoll returns when to poll next, as elapsed time since CopyImage, and
// whether the copy should be complete by then.
func nextPoll(samples []sample) (at time.Duration, final bool) {
	if len(samples) == 0 {
		return firstPoll, false
	}
	last := samples[len(samples)-1]
	lo, hi, ok := bounds(samples)
	switch {
	case last.progress >= 100:
		return last.at + 2*minGap, true
	case !ok:
		return last.at + min(time.Duration(float64(last.at)*(blindGrowth-1)), blindMaxGap), false
	}
	if hi > 0 && hi-lo <= tolerance(lo) {
		at, final = hi+margin(hi), true
	} else {
		at = min(growth*last.at, time.Duration(refine*float64(lo)))
		if at <= last.at {
			at = growth * last.at // past the refining point: the estimate is off
		}
		if hi > 0 && at >= hi {
			at, final = hi+margin(hi), true
		}
	}
	if at > last.at+maxGap {
		at, final = last.at+maxGap, false
	}
	return max(at, last.at+minGap), final
}

// remaining estimates the time left after the last sample; 0 when unknown.
func remaining(samples []sample) time.Duration {
	lo, hi, ok := bounds(samples)
	if !ok || len(samples) == 0 {
		return 0
	}
	end := lo
	if hi > 0 {
		end = (lo + hi) / 2
	}
	return max(end-samples[len(samples)-1].at, 0)
}
