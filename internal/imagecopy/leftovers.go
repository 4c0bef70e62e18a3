package imagecopy

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// CleanLeftovers removes, in each region, the images and snapshots of this
// pipeline that an earlier run left while copying (tagged StatusCopying:
// the run crashed, was killed, or kept them with keep_on_failure). Call it
// before Run. Two runs of one pipeline at the same time would remove each
// other's copies; the other run then fails and rolls back.
func (c *Copier) CleanLeftovers(ctx context.Context, regions []string) (Report, error) {
	if c.opts.Pipeline == "" {
		return nil, errors.New("imagecopy: Options.Pipeline must be set to find an earlier run's leftovers")
	}
	regions = slices.Sorted(slices.Values(regions))
	report := make(Report, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		report[i] = RegionReport{Region: region, Result: "no leftovers"}
		wg.Go(func() {
			report[i].Removed, report[i].Err = c.cleanLeftovers(ctx, region)
			if len(report[i].Removed) > 0 {
				report[i].Result = "leftovers of an earlier run"
			}
		})
	}
	wg.Wait()
	return report, report.err()
}

func (c *Copier) cleanLeftovers(ctx context.Context, region string) ([]string, error) {
	api := c.ec2(region)
	images, snapshots, err := tagged(ctx, api, map[string]string{TagPipeline: c.opts.Pipeline, TagStatus: StatusCopying})
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, id := range images {
		r, err := c.Remove(ctx, Image{Region: region, ID: id})
		removed = append(removed, r...)
		if err != nil {
			return removed, err
		}
	}
	snapshots = slices.DeleteFunc(snapshots, func(id string) bool { return slices.Contains(removed, id) })
	r, err := c.deleteSnapshots(ctx, api, region, snapshots)
	return append(removed, r...), err
}
