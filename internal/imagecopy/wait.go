package imagecopy

import (
	"context"
	"errors"
	"fmt"
	"time"
)

const (
	// failingFor: polls that keep failing this long (after the SDK's own
	// retries) end the wait; failed polls are retried after 1, 2, 4… seconds,
	// at most maxFailureGap apart.
	failingFor    = 2 * time.Minute
	maxFailureGap = 20 * time.Second
	// notFoundGrace: EC2 may not know a new image for a moment after CopyImage.
	notFoundGrace = 30 * time.Second
)

// wait polls the copy until it is available and returns it, with its
// snapshot ids. It fails when the copy fails, when polling keeps failing,
// and when ctx ends.
func (c *Copier) wait(ctx context.Context, cp *Copy, started time.Time) (Image, error) {
	img := cp.Image
	var samples []sample
	failures, failingSince := 0, time.Duration(0)
	next, final := nextPoll(nil)
	if c.opts.FixedDelay > 0 {
		next, final = c.opts.FixedDelay, true
	}
	for {
		if err := c.clock.Sleep(ctx, started.Add(next).Sub(c.clock.Now())); err != nil {
			return img, c.unfinished(cp, img, c.clock.Now().Sub(started), err)
		}
		at := c.clock.Now().Sub(started)
		done, err := c.poll(ctx, cp, &img, final)
		switch {
		case done:
			return img, nil
		case err != nil && ctx.Err() != nil:
			return img, c.unfinished(cp, img, at, context.Cause(ctx))
		case err != nil && (!transient(err, at) || (failures > 0 && at-failingSince > failingFor)):
			return img, err
		case err != nil:
			if failures == 0 {
				failingSince = at
			}
			failures++
			next = at + min(time.Second<<min(failures-1, 5), maxFailureGap)
			continue
		default:
			failures = 0
			samples = append(samples, sample{at: at, progress: least(img.Snapshots)})
		}
		if c.opts.FixedDelay > 0 {
			if c.opts.MaxAttempts > 0 && cp.Polls >= c.opts.MaxAttempts {
				return img, fmt.Errorf("copy %s into %s is still %s after %d polls (aws_polling.max_attempts): raise max_attempts or delay_seconds", img.ID, cp.Region, img.State, cp.Polls)
			}
			next += c.opts.FixedDelay
		} else {
			next, final = nextPoll(samples)
		}
		c.report(cp, img, at, samples)
	}
}

// transient reports whether a failed poll is worth repeating: the SDK has
// already retried throttling and server errors, but EC2 may not know a new
// image for a moment, and networks fail for longer than the SDK retries.
func transient(err error, at time.Duration) bool {
	if errors.Is(err, errImageNotFound) {
		return at < notFoundGrace
	}
	return !errors.Is(err, errCopyFailed)
}

// errCopyFailed marks a copy EC2 reports as failed.
var errCopyFailed = errors.New("copy failed")

// poll looks at the copy: DescribeSnapshots while only its progress is
// wanted; DescribeImages when it should be complete, when its snapshot ids
// are not known yet, and when its snapshots have finished. It reports
// whether the copy is available.
func (c *Copier) poll(ctx context.Context, cp *Copy, img *Image, final bool) (bool, error) {
	api := c.ec2(cp.Region)
	if !final && len(img.Snapshots) > 0 {
		cp.Polls++
		if err := describeSnapshots(ctx, api, img); err != nil {
			return false, err
		}
		if !finished(img.Snapshots) {
			return false, nil
		}
	}
	cp.Polls++
	got, err := describeImage(ctx, api, cp.Region, img.ID)
	if err != nil {
		return false, err
	}
	got.Snapshots = keepDetails(got.Snapshots, img.Snapshots)
	*img = got
	switch img.State {
	case "available":
		return true, nil
	case "pending":
	default:
		return false, fmt.Errorf("copy %s into %s is %s (%s): %w: check the key policy of %s lets EBS use it, then run again",
			img.ID, cp.Region, img.State, img.StateReason, errCopyFailed, cp.KMSKeyARN)
	}
	if final && c.opts.FixedDelay == 0 && len(img.Snapshots) > 0 {
		// not done when expected: a fresh progress sample corrects the estimate
		cp.Polls++
		return false, describeSnapshots(ctx, api, img)
	}
	return false, nil
}

// finished reports whether every snapshot has completed or failed.
func finished(snaps []Snapshot) bool {
	for _, s := range snaps {
		if s.State != "completed" && s.State != "error" {
			return false
		}
	}
	return true
}

// keepDetails carries what DescribeSnapshots told of the snapshots over to
// the same snapshots as DescribeImages lists them.
func keepDetails(fresh, known []Snapshot) []Snapshot {
	for i := range fresh {
		for _, k := range known {
			if k.ID == fresh[i].ID && k.State != "" {
				fresh[i] = k
			}
		}
	}
	return fresh
}

// least returns the progress of the least advanced snapshot; -1 when any is unknown.
func least(snaps []Snapshot) int {
	if len(snaps) == 0 {
		return -1
	}
	p := 100
	for _, s := range snaps {
		if s.Progress < 0 {
			return -1
		}
		p = min(p, s.Progress)
	}
	return p
}

func (c *Copier) report(cp *Copy, img Image, at time.Duration, samples []sample) {
	if c.opts.Progress == nil {
		return
	}
	c.opts.Progress(Progress{
		Region: cp.Region, ImageID: img.ID, State: img.State, Percent: least(img.Snapshots),
		Elapsed: at, Remaining: remaining(samples), Polls: cp.Polls,
	})
}

// unfinished is the error of a wait that ctx ended.
func (c *Copier) unfinished(cp *Copy, img Image, at time.Duration, cause error) error {
	progress := ""
	if p := least(img.Snapshots); p >= 0 {
		progress = fmt.Sprintf(" at %d%%", p)
	}
	hint := ""
	if errors.Is(cause, context.DeadlineExceeded) {
		hint = ": raise timeout"
	}
	return fmt.Errorf("copy %s into %s still %s%s after %v: %w%s", img.ID, cp.Region, img.State, progress, at.Round(time.Second), cause, hint)
}
