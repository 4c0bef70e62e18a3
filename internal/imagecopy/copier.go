package imagecopy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
)

// Options configures a Copier for one run.
type Options struct {
	// RunID identifies the run (packer_run_uuid): it scopes ClientTokens and
	// is tagged on every copy.
	RunID string
	// Pipeline identifies what the run builds across runs (for example the
	// build name and the AMI name template), so that a later run can find
	// the copies a crashed one left.
	Pipeline string
	// Deadline is when the run is over for certain, its rollback included:
	// a later run removes copies left past it, whatever their pipeline.
	Deadline time.Time
	// FixedDelay, when set, polls every FixedDelay instead of adapting to
	// the reported progress, at most MaxAttempts times when that is set.
	FixedDelay  time.Duration
	MaxAttempts int
	// Progress, when set, is called after every poll of every copy, from
	// the copy's goroutine.
	Progress func(Progress)
}

// Progress is the state of one copy after a poll.
type Progress struct {
	Region    string
	ImageID   string
	State     string
	Percent   int           // -1 when not reported
	Elapsed   time.Duration // since CopyImage
	Remaining time.Duration // estimated; 0 when unknown
	Polls     int
}

// Copier copies images across regions. Its methods are safe for concurrent use.
type Copier struct {
	ec2   func(region string) ec2API
	opts  Options
	clock clock
}

// New returns a Copier whose EC2 clients come from sess.
func New(sess *awsconfig.Session, opts Options) *Copier {
	return &Copier{ec2: func(region string) ec2API { return sess.EC2(region) }, opts: opts, clock: realClock{}}
}

// Run seals every job, all regions in parallel: CopyImage with Encrypted,
// the job's key, a ClientToken and tags on create; the wait; the check of
// every snapshot's key and tags. A source already encrypted with the key in
// the job's region is verified, not copied. The first failure stops the
// other regions. Run never deletes anything: on error, pass the copies to
// Rollback. ctx bounds the whole run.
func (c *Copier) Run(ctx context.Context, jobs []Job) ([]*Copy, error) {
	if c.opts.RunID == "" || c.opts.Pipeline == "" || c.opts.Deadline.IsZero() {
		return nil, errors.New("imagecopy: Options.RunID, Pipeline and Deadline must be set: they tag what Run creates")
	}
	jobs = slices.SortedFunc(slices.Values(jobs), func(a, b Job) int { return cmp.Compare(a.Region, b.Region) })
	for i := 1; i < len(jobs); i++ {
		if jobs[i].Region == jobs[i-1].Region {
			return nil, fmt.Errorf("two copies into %s: give each region one job", jobs[i].Region)
		}
	}
	stop, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	copies := make([]*Copy, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		cp := &Copy{Job: j, token: clientToken(c.opts.RunID, j)}
		copies[i] = cp
		wg.Go(func() {
			if err := c.seal(stop, cp); err != nil {
				cp.Err = err
				cancel(fmt.Errorf("%w: %s failed first", errStopped, cp.Region))
			}
		})
	}
	wg.Wait()
	var errs []error
	for _, cp := range copies {
		if cp.Err != nil && !errors.Is(cp.Err, errStopped) {
			errs = append(errs, fmt.Errorf("%s: %w", cp.Region, cp.Err))
		}
	}
	return copies, errors.Join(errs...)
}

// errStopped marks a copy stopped because another region failed.
var errStopped = errors.New("stopped")

// seal makes, waits for and verifies one copy.
func (c *Copier) seal(ctx context.Context, cp *Copy) error {
	if cp.Source.Region == cp.Region && cp.Source.EncryptedWith(cp.KMSKeyARN) {
		cp.Image, cp.Reused = cp.Source, true
		cp.Verified = true
		return nil
	}
	started := c.clock.Now()
	if err := c.start(ctx, cp); err != nil {
		return stoppedOr(ctx, err)
	}
	img, err := c.wait(ctx, cp, started)
	cp.Waited = c.clock.Now().Sub(started)
	if err != nil {
		return stoppedOr(ctx, err)
	}
	cp.Image = img
	if err := c.verify(ctx, cp); err != nil {
		return stoppedOr(ctx, err)
	}
	cp.Verified = true
	return nil
}

// stoppedOr returns why ctx was cancelled when another region's failure
// stopped it, else err.
func stoppedOr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, errStopped) {
		return cause
	}
	return err
}
