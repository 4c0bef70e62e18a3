package imagecopy

import (
	"context"
	"errors"
	"fmt"

	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// errNotSealed marks a copy that is not what was asked for.
var errNotSealed = errors.New("copy not sealed as asked")

// verify checks, from a fresh DescribeSnapshots, that every snapshot of the
// copy is encrypted with exactly the job's key and that the copy and its
// snapshots carry the tags sent with CopyImage.
func (c *Copier) verify(ctx context.Context, cp *Copy) error {
	img := &cp.Image
	if len(img.Snapshots) == 0 {
		return fmt.Errorf("copy %s in %s: %w: it has no EBS snapshot to check", img.ID, cp.Region, errNotSealed)
	}
	if err := describeSnapshots(ctx, c.ec2(cp.Region), img); err != nil {
		return err
	}
	var errs []error
	for _, s := range img.Snapshots {
		switch {
		case !s.Encrypted:
			errs = append(errs, fmt.Errorf("snapshot %s of %s in %s: %w: it is not encrypted", s.ID, img.ID, cp.Region, errNotSealed))
		case s.KMSKeyID != cp.KMSKeyARN:
			errs = append(errs, fmt.Errorf("snapshot %s of %s in %s: %w: encrypted with %s, not %s", s.ID, img.ID, cp.Region, errNotSealed, s.KMSKeyID, cp.KMSKeyARN))
		}
		errs = append(errs, missingTags(fmt.Sprintf("snapshot %s of %s in %s", s.ID, img.ID, cp.Region), s.Tags,
			tagpolicy.MergeTags(cp.SnapshotTags, c.markers(StatusCopying))))
	}
	errs = append(errs, missingTags(fmt.Sprintf("copy %s in %s", img.ID, cp.Region), img.Tags, tagpolicy.MergeTags(cp.Tags, c.markers(StatusCopying))))
	return errors.Join(errs...)
}

// missingTags reports the tags of want that have lost their value in got.
func missingTags(what string, got, want map[string]string) error {
	var missing []string
	for _, t := range tagpolicy.Sorted(want) {
		if v, ok := got[t.Key]; !ok || v != t.Value {
			missing = append(missing, t.Key)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w: tags %q sent with CopyImage are missing: check that the copy's region applies tags on create", what, errNotSealed, missing)
}
