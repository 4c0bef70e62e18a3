package seal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

// signProvenance signs the record of every sealed image, stores it, tags
// the image with where it is, then verifies each as a consumer would. Any
// failure fails the seal, whose rollback discards every stored record.
func (r *run) signProvenance(ctx context.Context) error {
	finished := time.Now()
	saved := make([]*attestore.Saved, len(r.copies))
	errs := make([]error, len(r.copies))
	var wg sync.WaitGroup
	for i, cp := range r.copies {
		wg.Go(func() { saved[i], errs[i] = r.signImage(ctx, cp, finished) })
	}
	wg.Wait()
	r.undo = append(r.undo, func(ctx context.Context) error { return discard(ctx, saved) })
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.signing.pointers = map[string]attestore.Pointer{}
	for i, cp := range r.copies {
		r.signing.pointers[cp.Region] = saved[i].Pointer
	}
	for i, cp := range r.copies {
		wg.Go(func() { errs[i] = r.verifyImage(ctx, cp, saved[i].Pointer.SHA256) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// signImage signs, stores and points to the record of one region's image.
// It returns what it stored, for the rollback, even when tagging fails.
func (r *run) signImage(ctx context.Context, cp *imagecopy.Copy, finished time.Time) (*attestore.Saved, error) {
	start := time.Now()
	api := r.aws.ec2(cp.Region)
	out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{cp.Image.ID}})
	if err != nil {
		return nil, fmt.Errorf("%s: describing %s for its provenance: %w", cp.Region, cp.Image.ID, err)
	}
	if len(out.Images) != 1 {
		return nil, fmt.Errorf("%s: describing %s for its provenance: %d images found", cp.Region, cp.Image.ID, len(out.Images))
	}
	st, err := r.record(cp, finished).Statement(verify.ImageOf(cp.Region, &out.Images[0]))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cp.Region, err)
	}
	env, err := provenance.Sign(ctx, st, r.signing.signer)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", cp.Region, cp.Image.ID, err)
	}
	b, err := provenance.MarshalEnvelope(env)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: encoding its provenance: %w", cp.Region, cp.Image.ID, err)
	}
	signed := time.Now()
	saved, err := attestore.Save(ctx, r.signing.stores[cp.Region], cp.Region, cp.Image.ID, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cp.Region, err)
	}
	tags, err := saved.Pointer.Tags()
	if err == nil {
		err = tagImage(ctx, api, cp.Image.ID, tags)
	}
	if err != nil {
		return saved, fmt.Errorf("%s: tagging %s with where its provenance is: %w", cp.Region, cp.Image.ID, err)
	}
	r.ui.Say(fmt.Sprintf("%s: provenance of %s signed in %v (%d bytes), stored and tagged in %v: %s",
		cp.Region, cp.Image.ID, signed.Sub(start).Round(time.Millisecond), len(b), time.Since(signed).Round(time.Millisecond), uris(saved.Pointer)))
	return saved, nil
}

func tagImage(ctx context.Context, api ec2API, id string, tags []attestore.Tag) error {
	in := &ec2.CreateTagsInput{Resources: []string{id}}
	for _, t := range tags {
		in.Tags = append(in.Tags, ec2types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	_, err := api.CreateTags(ctx, in)
	return err
}

// verifyAttempts bounds the reads of a record just stored: EC2 may answer
// DescribeImages without tags created a moment before.
const verifyAttempts = 3

// verifyImage reads the record back as a consumer would, from the image's
// tags, and checks it is the one stored (sha256) and verifies.
func (r *run) verifyImage(ctx context.Context, cp *imagecopy.Copy, sha string) error {
	var res *verify.Result
	var err error
	for attempt := range verifyAttempts {
		if res, err = r.signing.checker.Image(ctx, cp.Region, cp.Image.ID); err == nil || !errors.Is(err, verify.ErrRejected) || attempt == verifyAttempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1<<attempt) * time.Second):
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("%s: the provenance of %s does not verify as stored: %w", cp.Region, cp.Image.ID, err)
	case res.EnvelopeSHA256 != sha:
		return fmt.Errorf("%s: the provenance of %s read back has sha256 %s, not %s as stored", cp.Region, cp.Image.ID, res.EnvelopeSHA256, sha)
	}
	r.ui.Say(fmt.Sprintf("%s: provenance of %s verified from its tags: read back from %s, signature and image digest checked",
		cp.Region, cp.Image.ID, res.Location))
	return nil
}

// discard deletes the stored records, for a seal that rolls back.
func discard(ctx context.Context, saved []*attestore.Saved) error {
	var errs []error
	for _, s := range saved {
		if s != nil {
			errs = append(errs, s.Discard(ctx))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing the provenance records: %w", err)
	}
	return nil
}
