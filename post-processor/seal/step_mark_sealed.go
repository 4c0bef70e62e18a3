package seal

import (
	"context"
	"fmt"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// markSealed tags every image and snapshot sealed: the point after which
// nothing rolls back.
func (r *run) markSealed(ctx context.Context) error {
	if err := r.copier.MarkSealed(ctx, r.copies); err != nil {
		return fmt.Errorf("tagging the images %s = %s: %w", imagecopy.TagStatus, imagecopy.StatusSealed, err)
	}
	return nil
}
