package imagecopy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// CleanLeftovers removes, in each region, what earlier runs left while
// copying (tagged StatusCopying: the run crashed, was killed, or kept them
// with keep_on_failure), when that run is certainly over (past its
// TagDeadline) or belongs to this pipeline. Call it before Run. Two runs of
// one pipeline at the same time remove each other's copies; the other run
// then fails and rolls back. Leftovers of other pipelines' live runs are
// left alone and reported.
func (c *Copier) CleanLeftovers(ctx context.Context, regions []string) (Report, error) {
	if c.opts.Pipeline == "" {
		return nil, errors.New("imagecopy: Options.Pipeline must be set to find an earlier run's leftovers")
	}
	regions = slices.Sorted(slices.Values(regions))
	report := make(Report, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() { report[i] = c.cleanLeftovers(ctx, region) })
	}
	wg.Wait()
	return report, report.err()
}

func (c *Copier) cleanLeftovers(ctx context.Context, region string) RegionReport {
	rr := RegionReport{Region: region, Result: "no leftovers"}
	api := c.ec2(region)
	images, snapshots, err := tagged(ctx, api, map[string]string{TagStatus: StatusCopying})
	if err != nil {
		rr.Err = err
		return rr
	}
	var live []string
	stale := func(r resource) bool {
		if r.tags[TagPipeline] == c.opts.Pipeline && r.tags[TagRun] != c.opts.RunID {
			return true
		}
		deadline, err := time.Parse(time.RFC3339, r.tags[TagDeadline])
		if err == nil && c.clock.Now().After(deadline) {
			return true
		}
		live = append(live, fmt.Sprintf("%s (run %s, until %s)", r.id, r.tags[TagRun], r.tags[TagDeadline]))
		return false
	}
	var errs []error
	for _, img := range images {
		if !stale(img) {
			continue
		}
		removed, err := c.Remove(ctx, Image{Region: region, ID: img.id})
		rr.Removed = append(rr.Removed, removed...)
		errs = append(errs, err)
		if src := img.source; img.tags[TagPipeline] == c.opts.Pipeline && src.ID != "" && src.Region != "" && !slices.ContainsFunc(rr.Sources, func(s Image) bool { return s.ID == src.ID && s.Region == src.Region }) {
			rr.Sources = append(rr.Sources, img.source)
		}
	}
	var orphans []string
	for _, s := range snapshots {
		if !slices.Contains(rr.Removed, s.id) && stale(s) {
			orphans = append(orphans, s.id)
		}
	}
	removed, err := c.deleteSnapshots(ctx, api, region, orphans)
	rr.Removed = append(rr.Removed, removed...)
	rr.Err = errors.Join(append(errs, err)...)
	switch {
	case len(rr.Removed) > 0 && len(live) > 0:
		rr.Result = fmt.Sprintf("removed leftovers of earlier runs; left those of runs that may still be going: %v", live)
	case len(rr.Removed) > 0:
		rr.Result = "removed leftovers of earlier runs"
	case len(live) > 0:
		rr.Result = fmt.Sprintf("left copies of runs that may still be going: %v", live)
	}
	return rr
}
