package imagelist

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// fakeEC2 serves two pages of images and the snapshots this account sees.
type fakeEC2 struct {
	imagesIn []*ec2.DescribeImagesInput
	snapIDs  []string
}

func (f *fakeEC2) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	f.imagesIn = append(f.imagesIn, in)
	if in.NextToken == nil {
		return &ec2.DescribeImagesOutput{NextToken: aws.String("page-2"), Images: []ec2types.Image{{
			ImageId: aws.String("ami-1"), Name: aws.String("one"), OwnerId: aws.String("123456789012"), State: ec2types.ImageStateAvailable,
			CreationDate: aws.String("2026-02-01T10:00:00.000Z"), DeprecationTime: aws.String("2026-03-01T10:00:00.000Z"),
			Tags: []ec2types.Tag{{Key: aws.String(family.Tag), Value: aws.String("debian")}},
			BlockDeviceMappings: []ec2types.BlockDeviceMapping{
				{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String("snap-mine"), Encrypted: aws.Bool(true)}},
				{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			},
		}}}, nil
	}
	return &ec2.DescribeImagesOutput{Images: []ec2types.Image{{
		ImageId: aws.String("ami-2"), State: ec2types.ImageStatePending, CreationDate: aws.String("not a time"),
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String("snap-theirs"), Encrypted: aws.Bool(true)}}},
	}}}, nil
}

func (f *fakeEC2) DescribeSnapshots(_ context.Context, in *ec2.DescribeSnapshotsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error) {
	f.snapIDs = append(f.snapIDs, in.Filters[0].Values...)
	return &ec2.DescribeSnapshotsOutput{Snapshots: []ec2types.Snapshot{{SnapshotId: aws.String("snap-mine"), Encrypted: aws.Bool(true), KmsKeyId: aws.String("arn:key")}}}, nil
}

func TestList(t *testing.T) {
	api := &fakeEC2{}
	images, err := List(t.Context(), api, "eu-west-1", []string{"self"}, []family.Filter{{Name: "name", Values: []string{"debian-*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := AddKeys(t.Context(), api, "eu-west-1", images); err != nil {
		t.Fatal(err)
	}
	want := []family.Image{
		{Region: "eu-west-1", ID: "ami-1", Name: "one", OwnerID: "123456789012", State: "available",
			Created: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), DeprecatedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
			Tags: map[string]string{family.Tag: "debian"}, Devices: []family.Device{{Name: "/dev/xvda", SnapshotID: "snap-mine", Encrypted: true, KMSKeyARN: "arn:key"}}},
		{Region: "eu-west-1", ID: "ami-2", State: "pending", Tags: map[string]string{},
			Devices: []family.Device{{Name: "/dev/xvda", SnapshotID: "snap-theirs", Encrypted: true}}},
	}
	if diff := cmp.Diff(want, images); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	in := api.imagesIn[0]
	if !aws.ToBool(in.IncludeDeprecated) || aws.ToString(in.Filters[0].Name) != "name" || len(api.imagesIn) != 2 {
		t.Errorf("DescribeImages %+v, %d pages: want deprecated images included, the filter, both pages", in, len(api.imagesIn))
	}
	if diff := cmp.Diff([]string{"snap-mine", "snap-theirs"}, api.snapIDs); diff != "" {
		t.Errorf("snapshot-id filter (-want +got):\n%s", diff)
	}
}
