package imagecopy

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
		cp.sent = !refused(err)
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

// refused reports whether EC2 answered a call with a client error other
// than throttling (a 4xx, or a fault the SDK marks as the client's): the
// call was refused and made nothing. EC2's query protocol does not mark
// faults, so the status decides there.
func refused(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultClient {
		return true
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	status := re.HTTPStatusCode()
	return status >= 400 && status < 500 && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary
}
