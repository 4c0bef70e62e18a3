// Package imagecopy copies an AMI into target regions encrypted with each
// region's KMS key, tagged on create, waits for the copies with few polls,
// verifies every snapshot's key, and rolls back what it created when
// anything fails. It never deletes what it did not create, except the
// sources it is told to remove once everything is sealed.
package imagecopy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// ec2API is what imagecopy needs of EC2 in one region.
type ec2API interface {
	CopyImage(ctx context.Context, in *ec2.CopyImageInput, optFns ...func(*ec2.Options)) (*ec2.CopyImageOutput, error)
	CreateTags(ctx context.Context, in *ec2.CreateTagsInput, optFns ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteSnapshot(ctx context.Context, in *ec2.DeleteSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
	DeregisterImage(ctx context.Context, in *ec2.DeregisterImageInput, optFns ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
}
