package seal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// checkNames fails when a region already has an image of the account with
// the name its copy would take (CopyImage would fail there after other
// regions had started), unless it is a leftover of this build that
// cleanLeftovers removes.
func (r *run) checkNames(ctx context.Context) error {
	errs := make([]error, len(r.jobs))
	var wg sync.WaitGroup
	for i, j := range r.jobs {
		wg.Go(func() {
			out, err := r.aws.ec2(j.Region).DescribeImages(ctx, &ec2.DescribeImagesInput{
				Owners:  []string{"self"},
				Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{j.Name}}},
			})
			if err != nil {
				errs[i] = fmt.Errorf("%s: looking for images named %q: %w", j.Region, j.Name, err)
				return
			}
			for _, img := range out.Images {
				if id := aws.ToString(img.ImageId); !r.leftover(img.Tags) && !(id == j.Source.ID && j.Source.EncryptedWith(j.KMSKeyARN)) {
					errs[i] = fmt.Errorf("%s: image %s is already named %q: change ami_name (add {{ timestamp }}) or deregister it", j.Region, id, j.Name)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// leftover reports whether tags mark a copy an earlier run of this build left.
func (r *run) leftover(tags []ec2types.Tag) bool {
	var pipelineOK, copying bool
	for _, t := range tags {
		switch aws.ToString(t.Key) {
		case imagecopy.TagPipeline:
			pipelineOK = aws.ToString(t.Value) == pipeline(r.cfg)
		case imagecopy.TagStatus:
			copying = aws.ToString(t.Value) == imagecopy.StatusCopying
		}
	}
	return pipelineOK && copying
}
