package seal

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// removeSources deregisters the input artifact's unencrypted images and
// deletes their snapshots, unless keep_source_image or the image is itself
// a sealed one. It runs after everything is sealed, so a failure here is
// reported, not rolled back: the sealed images are the build's result.
func (r *run) removeSources(ctx context.Context) {
	if r.cfg.KeepSourceImage {
		r.ui.Say("keep_source_image is set: the input images stay")
		return
	}
	sealed := map[string]bool{}
	for _, cp := range r.copies {
		sealed[cp.Image.ID] = true
	}
	for _, region := range slices.Sorted(maps.Keys(r.images)) {
		img := r.images[region]
		switch {
		case sealed[img.ID]:
			continue
		case r.account != "" && img.OwnerID != r.account:
			r.ui.Say(fmt.Sprintf("%s: %s belongs to account %s, not %s: left alone", region, img.ID, img.OwnerID, r.account))
			continue
		}
		removed, err := r.copier.Remove(ctx, img)
		if err != nil {
			r.ui.Error(fmt.Sprintf("Warning: %s: removing the unencrypted input image %s: %v: remove it with "+
				"aws ec2 deregister-image --region %s --image-id %s, then delete its snapshots %v", region, img.ID, err, region, img.ID, img.SnapshotIDs()))
			continue
		}
		r.ui.Say(fmt.Sprintf("%s: removed the unencrypted input %v", region, removed))
	}
}
