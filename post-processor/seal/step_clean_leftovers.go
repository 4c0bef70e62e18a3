package seal

import (
	"context"
	"fmt"
	"slices"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// cleanLeftovers removes what earlier runs of this build, or runs past
// their deadline, left while copying, and the unencrypted inputs that
// killed runs of this build were sealing. Failing to is a warning: those
// leftovers do not stop this run.
func (r *run) cleanLeftovers(ctx context.Context) error {
	report, err := r.copier.CleanLeftovers(ctx, r.targets())
	var inputs []imagecopy.Image
	for _, rr := range report {
		if len(rr.Removed) > 0 || rr.Result != "no leftovers" {
			r.ui.Say(fmt.Sprintf("%s: %s %v", rr.Region, rr.Result, rr.Removed))
		}
		for _, s := range rr.Sources {
			if !slices.ContainsFunc(inputs, func(i imagecopy.Image) bool { return i.Region == s.Region && i.ID == s.ID }) {
				inputs = append(inputs, s)
			}
		}
	}
	if err != nil {
		r.ui.Error(fmt.Sprintf("Warning: %v", err))
	}
	r.removeKilledInputs(ctx, inputs)
	return nil
}

// removeKilledInputs removes the unencrypted images that killed runs of
// this build were sealing, as Packer removes a build's image when its
// post-processor fails: images of this account that golden-seal did not
// make, never this run's input, and none when keep_source_image is set.
func (r *run) removeKilledInputs(ctx context.Context, inputs []imagecopy.Image) {
	for _, in := range inputs {
		if r.cfg.KeepSourceImage {
			r.ui.Say(fmt.Sprintf("%s: %s, the input of a run that was killed, stays: keep_source_image is set", in.Region, in.ID))
			continue
		}
		if r.sources[in.Region] == in.ID {
			continue
		}
		img, err := r.copier.Describe(ctx, in.Region, in.ID)
		switch {
		case err != nil:
			continue // gone already, or not an image that can be removed as a whole
		case r.account != "" && img.OwnerID != r.account, img.Tags[imagecopy.TagStatus] != "":
			continue // not this account's, or golden-seal's own
		}
		removed, err := r.copier.Remove(ctx, img)
		if err != nil {
			r.ui.Error(fmt.Sprintf("Warning: %s: removing %s, the unencrypted input of a run that was killed: %v: remove it with "+
				"aws ec2 deregister-image --region %s --image-id %s, then delete its snapshots %v", in.Region, in.ID, err, in.Region, in.ID, img.SnapshotIDs()))
			continue
		}
		r.ui.Say(fmt.Sprintf("%s: removed the unencrypted input of a run that was killed %v", in.Region, removed))
	}
}
