package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// CopyBehaviour says how CopyImage copies progress. Each copy takes the
// behaviour in force when CopyImage was called. The zero value, moto's
// default after Start and Reset, makes copies available at the first
// DescribeImages.
type CopyBehaviour struct {
	// Pending keeps a copy pending at least this long ...
	Pending time.Duration
	// PendingPolls ... and for this many DescribeImages calls that return it.
	// Meanwhile its snapshots are pending, their Progress growing with time and
	// polls; they complete just before the image becomes available.
	PendingPolls int
	// FailRegions: copies into these regions end in state "failed" (snapshot
	// state "error"), as a copy with an unusable KMS key does.
	FailRegions []string
	// StuckRegions: copies into these regions stay pending forever.
	StuckRegions []string
}

// SetCopyBehaviour sets how the copies CopyImage makes from now on progress.
// A shell does the same with POST $MOTO_URL/_golden/config and the JSON
// {"copy_pending_seconds": 10, "copy_pending_polls": 0,
// "copy_fail_regions": ["eu-west-1"], "copy_stuck_regions": []}.
func (r *Rig) SetCopyBehaviour(ctx context.Context, b CopyBehaviour) error {
	if b.Pending < 0 || b.PendingPolls < 0 {
		return fmt.Errorf("copy behaviour: pending %v and polls %d must not be negative", b.Pending, b.PendingPolls)
	}
	body, err := json.Marshal(map[string]any{
		"copy_pending_seconds": b.Pending.Seconds(),
		"copy_pending_polls":   b.PendingPolls,
		"copy_fail_regions":    sorted(b.FailRegions),
		"copy_stuck_regions":   sorted(b.StuckRegions),
	})
	if err != nil {
		return err
	}
	return r.motoPost(ctx, "/_golden/config", string(body))
}

func sorted(s []string) []string {
	s = slices.Sorted(slices.Values(s))
	if s == nil {
		return []string{}
	}
	return s
}
