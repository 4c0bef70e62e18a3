package imagecopy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// removeRetryFor bounds the retries of DeregisterImage and DeleteSnapshot:
// while EC2 still sees a snapshot in use by the image just deregistered (or
// still copying), and through server errors and lost connections, which
// would otherwise leave an image without its snapshots, or a rollback half done.
const removeRetryFor = 2 * time.Minute

// Remove deregisters the image and deletes its snapshots. It returns what it
// removed, in order; an image or snapshot already gone counts as removed.
func (c *Copier) Remove(ctx context.Context, img Image) ([]string, error) {
	api := c.ec2(img.Region)
	snaps := img.SnapshotIDs()
	if got, err := describeImage(ctx, api, img.Region, img.ID); err == nil {
		snaps = union(snaps, got.SnapshotIDs())
	} else if !errors.Is(err, errImageNotFound) {
		return nil, err
	}
	removed, err := c.deregister(ctx, api, img.Region, img.ID)
	if err != nil {
		return removed, err
	}
	more, err := c.deleteSnapshots(ctx, api, img.Region, snaps)
	return append(removed, more...), err
}

func (c *Copier) deregister(ctx context.Context, api ec2API, region, id string) ([]string, error) {
	err := c.retry(ctx, func() error {
		_, err := api.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deregistering %s in %s: %w", id, region, err)
	}
	return []string{id}, nil
}

// deleteSnapshots deletes every snapshot, waiting out the moments when EC2
// still considers one in use, and reports all that it could not delete.
func (c *Copier) deleteSnapshots(ctx context.Context, api ec2API, region string, ids []string) ([]string, error) {
	var removed []string
	var errs []error
	for _, id := range ids {
		if err := c.deleteSnapshot(ctx, api, id); err != nil {
			errs = append(errs, fmt.Errorf("deleting snapshot %s in %s: %w", id, region, err))
			continue
		}
		removed = append(removed, id)
	}
	return removed, errors.Join(errs...)
}

func (c *Copier) deleteSnapshot(ctx context.Context, api ec2API, id string) error {
	return c.retry(ctx, func() error {
		_, err := api.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
		return err
	})
}

// retry calls a removal until it succeeds or finds nothing to remove, while
// it fails for a while (in use, server errors, lost connections) and at most
// removeRetryFor; a refusal (access denied, a bad id) ends it.
func (c *Copier) retry(ctx context.Context, remove func() error) error {
	start := c.clock.Now()
	for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
		err := remove()
		switch {
		case err == nil || notFound(err):
			return nil
		case refused(err) && !busy(err), c.clock.Now().Sub(start) > removeRetryFor, ctx.Err() != nil:
			return err
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// tagged returns the images and snapshots owned by the account in region
// whose tags have the given values, in id order, with all their tags.
func tagged(ctx context.Context, api ec2API, tags map[string]string) (images, snapshots []resource, err error) {
	var filters []types.Filter
	for _, t := range ec2Tags(tags) {
		filters = append(filters, types.Filter{Name: aws.String("tag:" + aws.ToString(t.Key)), Values: []string{aws.ToString(t.Value)}})
	}
	imgs, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: filters})
	if err != nil {
		return nil, nil, fmt.Errorf("finding images by tag: %w", err)
	}
	for _, i := range imgs.Images {
		images = append(images, resource{id: aws.ToString(i.ImageId), tags: tagMap(i.Tags),
			source: Image{Region: aws.ToString(i.SourceImageRegion), ID: aws.ToString(i.SourceImageId)}})
	}
	p := ec2.NewDescribeSnapshotsPaginator(api, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("finding snapshots by tag: %w", err)
		}
		for _, s := range page.Snapshots {
			snapshots = append(snapshots, resource{id: aws.ToString(s.SnapshotId), tags: tagMap(s.Tags)})
		}
	}
	byID := func(a, b resource) int { return strings.Compare(a.id, b.id) }
	slices.SortFunc(images, byID)
	slices.SortFunc(snapshots, byID)
	return images, snapshots, nil
}

// resource is an image or snapshot found by its tags.
type resource struct {
	id     string
	tags   map[string]string
	source Image // what an image was copied from, when EC2 says (Region and ID)
}

func ids(rs []resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.id)
	}
	return out
}

func notFound(err error) bool {
	switch apiCode(err) {
	case "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable", "InvalidSnapshot.NotFound":
		return true
	}
	return false
}

func busy(err error) bool {
	switch apiCode(err) {
	case "InvalidSnapshot.InUse", "IncorrectState", "ConcurrentSnapshotLimitExceeded":
		return true
	}
	return false
}

func union(a, b []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a), b...))))
}
