package imagecopy

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// MarkSealed tags every verified copy, and its snapshots, StatusSealed: from
// then on no rollback or later run removes them. A reused source gets the
// job's tags here, as it was not created with them. Call it last, when every
// other step has succeeded.
func (c *Copier) MarkSealed(ctx context.Context, copies []*Copy) error {
	errs := make([]error, len(copies))
	var wg sync.WaitGroup
	for i, cp := range copies {
		wg.Go(func() { errs[i] = c.mark(ctx, cp) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Copier) mark(ctx context.Context, cp *Copy) error {
	if !cp.Verified {
		return fmt.Errorf("%s: copy %s is not verified: it cannot be marked sealed", cp.Region, cp.Image.ID)
	}
	api := c.ec2(cp.Region)
	sealed := c.markers(StatusSealed)
	if !cp.Reused {
		return createTags(ctx, api, cp.Region, append([]string{cp.Image.ID}, cp.Image.SnapshotIDs()...), map[string]string{TagStatus: StatusSealed})
	}
	if err := createTags(ctx, api, cp.Region, []string{cp.Image.ID}, tagpolicy.MergeTags(cp.Tags, sealed)); err != nil {
		return err
	}
	return createTags(ctx, api, cp.Region, cp.Image.SnapshotIDs(), tagpolicy.MergeTags(cp.SnapshotTags, sealed))
}

func createTags(ctx context.Context, api ec2API, region string, ids []string, tags map[string]string) error {
	_, err := api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: ec2Tags(tags)})
	if err != nil {
		return fmt.Errorf("tagging %v in %s: %w", ids, region, err)
	}
	return nil
}
