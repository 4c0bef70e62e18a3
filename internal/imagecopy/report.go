package imagecopy

import (
	"errors"
	"fmt"
	"strings"
)

// RegionReport says what happened in one region.
type RegionReport struct {
	Region  string
	ImageID string // the copy, when EC2 named one
	Result  string
	Removed []string // images and snapshots removed, in order
	Err     error    // what could not be removed
	// Sources are the images that removed leftovers of this pipeline were
	// copied from (Region and ID): the runs that left them did not get to
	// remove them.
	Sources []Image
}

// Report is one line per region, in region order.
type Report []RegionReport

func (r Report) String() string {
	var b strings.Builder
	for _, rr := range r {
		fmt.Fprintf(&b, "%s: %s", rr.Region, rr.Result)
		if len(rr.Removed) > 0 {
			fmt.Fprintf(&b, "; removed %s", strings.Join(rr.Removed, ", "))
		}
		if rr.Err != nil {
			fmt.Fprintf(&b, "; LEFT BEHIND: %v", rr.Err)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (r Report) err() error {
	var errs []error
	for _, rr := range r {
		if rr.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rr.Region, rr.Err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("some of what this run created could not be removed: find it by the tag %s and delete it: %w", TagRun, errors.Join(errs...))
}
