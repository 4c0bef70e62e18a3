package seal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// deprecateImages sets the deprecation time of every sealed image.
func (r *run) deprecateImages(ctx context.Context) error {
	at := r.cfg.deprecateAt
	if r.cfg.DeprecateAfter > 0 {
		at = time.Now().Add(r.cfg.DeprecateAfter)
	}
	if at.IsZero() {
		return nil
	}
	errs := make([]error, len(r.copies))
	var wg sync.WaitGroup
	for i, cp := range r.copies {
		wg.Go(func() {
			_, err := r.aws.ec2(cp.Region).EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{
				ImageId: aws.String(cp.Image.ID), DeprecateAt: aws.Time(at.UTC()),
			})
			if err != nil {
				errs[i] = fmt.Errorf("%s: deprecating %s at %s: %w", cp.Region, cp.Image.ID, at.UTC().Format(time.RFC3339), err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.ui.Say(fmt.Sprintf("Sealed images deprecate at %s", at.UTC().Format(time.RFC3339)))
	return nil
}
