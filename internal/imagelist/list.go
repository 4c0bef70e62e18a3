// Package imagelist lists AMIs as internal/family sees them: by owners and
// filters, deprecated ones included, and, when asked, with the KMS key of
// each snapshot the caller can see. The golden-ami data source and
// golden-seal's retention share it.
package imagelist

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

type imagesAPI interface {
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
}

type snapshotsAPI interface {
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
}

// snapshotBatch is how many snapshot ids one DescribeSnapshots filter takes.
const snapshotBatch = 200

// List returns the images of owners in region that match filters,
// deprecated ones included, in the order EC2 gives them.
func List(ctx context.Context, api imagesAPI, region string, owners []string, filters []family.Filter) ([]family.Image, error) {
	in := &ec2.DescribeImagesInput{Owners: owners, IncludeDeprecated: aws.Bool(true)}
	for _, f := range filters {
		in.Filters = append(in.Filters, ec2types.Filter{Name: aws.String(f.Name), Values: f.Values})
	}
	var images []family.Image
	p := ec2.NewDescribeImagesPaginator(api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing the images of %v in %s: %w", owners, region, err)
		}
		for _, i := range page.Images {
			images = append(images, imageOf(region, i))
		}
	}
	return images, nil
}

// AddKeys fills in the key of every snapshot of images that this account can
// see. A filter, unlike SnapshotIds, does not fail on other accounts' snapshots.
func AddKeys(ctx context.Context, api snapshotsAPI, region string, images []family.Image) error {
	var ids []string
	for _, img := range images {
		ids = append(ids, img.SnapshotIDs()...)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	keys := map[string]string{}
	for batch := range slices.Chunk(ids, snapshotBatch) {
		p := ec2.NewDescribeSnapshotsPaginator(api, &ec2.DescribeSnapshotsInput{
			Filters: []ec2types.Filter{{Name: aws.String("snapshot-id"), Values: batch}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("describing the snapshots of the images in %s: %w", region, err)
			}
			for _, s := range page.Snapshots {
				if aws.ToBool(s.Encrypted) {
					keys[aws.ToString(s.SnapshotId)] = aws.ToString(s.KmsKeyId)
				}
			}
		}
	}
	for i := range images {
		for j := range images[i].Devices {
			images[i].Devices[j].KMSKeyARN = keys[images[i].Devices[j].SnapshotID]
		}
	}
	return nil
}

// imageOf is what DescribeImages says of an image; times that do not parse are left zero.
func imageOf(region string, i ec2types.Image) family.Image {
	img := family.Image{
		Region: region, ID: aws.ToString(i.ImageId), Name: aws.ToString(i.Name), OwnerID: aws.ToString(i.OwnerId),
		State: string(i.State), Created: parseTime(aws.ToString(i.CreationDate)), DeprecatedAt: parseTime(aws.ToString(i.DeprecationTime)),
		Tags: map[string]string{},
	}
	for _, t := range i.Tags {
		img.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for _, m := range i.BlockDeviceMappings {
		if m.Ebs != nil && aws.ToString(m.Ebs.SnapshotId) != "" {
			img.Devices = append(img.Devices, family.Device{
				Name: aws.ToString(m.DeviceName), SnapshotID: aws.ToString(m.Ebs.SnapshotId), Encrypted: aws.ToBool(m.Ebs.Encrypted),
			})
		}
	}
	return img
}

// parseTime reads EC2's timestamps (2025-01-31T10:00:00.000Z); zero when it cannot.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
