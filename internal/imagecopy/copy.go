package imagecopy

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// start sends CopyImage: encrypted with the job's key, tagged on create, and
// idempotent through the ClientToken.
func (c *Copier) start(ctx context.Context, cp *Copy) error {
	cp.sent = true
	out, err := c.ec2(cp.Region).CopyImage(ctx, c.copyInput(cp))
	if err != nil {
		// EC2 answered with a client error: it made nothing
		var ae smithy.APIError
		cp.sent = !(errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultClient)
		return fmt.Errorf("copying %s from %s into %s: %w", cp.Source.ID, cp.Source.Region, cp.Region, err)
	}
	cp.Image = Image{Region: cp.Region, ID: aws.ToString(out.ImageId), State: "pending"}
	return nil
}

func (c *Copier) copyInput(cp *Copy) *ec2.CopyImageInput {
	in := &ec2.CopyImageInput{
		Name:          aws.String(cp.Name),
		SourceImageId: aws.String(cp.Source.ID),
		SourceRegion:  aws.String(cp.Source.Region),
		ClientToken:   aws.String(cp.token),
		Encrypted:     aws.Bool(true),
		KmsKeyId:      aws.String(cp.KMSKeyARN),
		CopyImageTags: aws.Bool(false),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeImage, Tags: ec2Tags(tagpolicy.MergeTags(cp.Tags, c.markers(StatusCopying)))},
			{ResourceType: types.ResourceTypeSnapshot, Tags: ec2Tags(tagpolicy.MergeTags(cp.SnapshotTags, c.markers(StatusCopying)))},
		},
	}
	if cp.Description != "" {
		in.Description = aws.String(cp.Description)
	}
	return in
}
