package seal

import (
	"context"
	"fmt"
	"time"
)

// copyImages makes, waits for and verifies the copy of every region.
func (r *run) copyImages(ctx context.Context) error {
	for _, j := range r.jobs {
		r.ui.Say(fmt.Sprintf("%s: copying %s from %s as %q, encrypted with %s", j.Region, j.Source.ID, j.Source.Region, j.Name, j.KMSKeyARN))
	}
	var err error
	r.copies, err = r.copier.Run(ctx, r.jobs)
	if err != nil {
		return err
	}
	for _, cp := range r.copies {
		if cp.Reused {
			r.ui.Say(fmt.Sprintf("%s: %s is encrypted with %s already: not copied", cp.Region, cp.Image.ID, cp.KMSKeyARN))
			continue
		}
		r.ui.Say(fmt.Sprintf("%s: %s verified: every snapshot encrypted with %s (copied in %v, %d polls)",
			cp.Region, cp.Image.ID, cp.KMSKeyARN, cp.Waited.Round(time.Second), cp.Polls))
	}
	return nil
}
