package imagecopy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Rollback removes everything Run created for the copies, in every region in
// parallel: the copies it knows, a copy whose CopyImage answer was lost
// (CopyImage again with the same ClientToken names it), and anything else
// tagged with this run. It never touches a source. Give it a context that
// outlives the cancellation that caused the rollback.
func (c *Copier) Rollback(ctx context.Context, copies []*Copy) (Report, error) {
	report := make(Report, len(copies))
	var wg sync.WaitGroup
	for i, cp := range copies {
		report[i] = RegionReport{Region: cp.Region, ImageID: cp.Image.ID, Result: result(cp)}
		wg.Go(func() { report[i].Removed, report[i].Err = c.rollback(ctx, cp) })
	}
	wg.Wait()
	return report, report.err()
}

func (c *Copier) rollback(ctx context.Context, cp *Copy) ([]string, error) {
	if cp.Reused || !cp.sent {
		return nil, nil
	}
	api := c.ec2(cp.Region)
	var made []string
	var errs []error
	if cp.Image.ID != "" {
		made = append(made, cp.Image.ID)
	} else if id, err := c.recopy(ctx, api, cp); err == nil {
		made = append(made, id)
	} else {
		errs = append(errs, fmt.Errorf("asking EC2 which copy CopyImage made in %s: %w", cp.Region, err))
	}
	images, snapshots, err := tagged(ctx, api, map[string]string{TagRun: c.opts.RunID})
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", cp.Region, err))
	}
	made = slices.DeleteFunc(union(made, ids(images)), func(id string) bool { return id == cp.Source.ID })
	var removed []string
	for _, id := range made {
		r, err := c.Remove(ctx, Image{Region: cp.Region, ID: id})
		removed = append(removed, r...)
		errs = append(errs, err)
	}
	left := slices.DeleteFunc(ids(snapshots), func(id string) bool {
		return slices.Contains(removed, id) || slices.Contains(cp.Source.SnapshotIDs(), id)
	})
	r, err := c.deleteSnapshots(ctx, api, cp.Region, left)
	return append(removed, r...), errors.Join(append(errs, err)...)
}

// recopy asks EC2 which copy a CopyImage without an answer made: CopyImage
// again with the same ClientToken names it (or makes it now, to be removed).
// Server errors and lost connections are retried as long as a wait retries
// failing polls, so that an outage shorter than that leaves nothing behind;
// a refusal (access denied, a bad parameter) is not.
func (c *Copier) recopy(ctx context.Context, api ec2API, cp *Copy) (string, error) {
	start := c.clock.Now()
	for wait := time.Second; ; wait = min(2*wait, maxFailureGap) {
		out, err := api.CopyImage(ctx, c.copyInput(cp))
		if err == nil {
			return aws.ToString(out.ImageId), nil
		}
		if refused(err) || c.clock.Now().Sub(start) > failingFor {
			return "", err
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return "", err
		}
	}
}

// result says what became of a copy before any rollback.
func result(cp *Copy) string {
	switch {
	case cp.Err != nil && errors.Is(cp.Err, errStopped):
		return cp.Err.Error()
	case errors.Is(cp.Err, context.Canceled):
		return "cancelled: " + cp.Err.Error()
	case cp.Err != nil:
		return "failed: " + cp.Err.Error()
	case cp.Verified && cp.Reused:
		return "verified (the source, already encrypted with the key)"
	case cp.Verified:
		return "verified"
	case cp.sent:
		return "unfinished"
	}
	return "not started"
}
