package seal

import (
	"context"
	"fmt"
)

// cleanLeftovers removes what earlier runs of this build, or runs past
// their deadline, left while copying. Failing to is a warning: those
// leftovers do not stop this run.
func (r *run) cleanLeftovers(ctx context.Context) error {
	report, err := r.copier.CleanLeftovers(ctx, r.targets())
	for _, rr := range report {
		if len(rr.Removed) > 0 || rr.Result != "no leftovers" {
			r.ui.Say(fmt.Sprintf("%s: %s %v", rr.Region, rr.Result, rr.Removed))
		}
	}
	if err != nil {
		r.ui.Error(fmt.Sprintf("Warning: %v", err))
	}
	return nil
}
