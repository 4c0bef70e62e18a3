package seal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// describeSources describes the input artifact's images and their snapshots.
func (r *run) describeSources(ctx context.Context) error {
	regions := slices.Sorted(maps.Keys(r.sources))
	images := make([]imagecopy.Image, len(regions))
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() {
			images[i], errs[i] = r.copier.Describe(ctx, region, r.sources[region])
			if errs[i] == nil && len(images[i].Snapshots) == 0 {
				errs[i] = fmt.Errorf("input image %s in %s has no EBS snapshot: golden-seal seals EBS-backed images only", r.sources[region], region)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the input artifact: %w", err)
	}
	r.images = map[string]imagecopy.Image{}
	for i, region := range regions {
		r.images[region] = images[i]
	}
	return nil
}
