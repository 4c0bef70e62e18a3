package awstest_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

func describeImage(t *testing.T, c *ec2.Client, id string) ec2types.Image {
	t.Helper()
	out, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeImages %s: %v", id, err)
	}
	if len(out.Images) != 1 {
		t.Fatalf("DescribeImages %s: %d images", id, len(out.Images))
	}
	return out.Images[0]
}

// rootSnapshot describes the snapshot behind an image's first EBS mapping.
func rootSnapshot(t *testing.T, c *ec2.Client, img ec2types.Image) ec2types.Snapshot {
	t.Helper()
	if len(img.BlockDeviceMappings) == 0 || img.BlockDeviceMappings[0].Ebs == nil {
		t.Fatalf("image %s has no EBS mapping", aws.ToString(img.ImageId))
	}
	id := aws.ToString(img.BlockDeviceMappings[0].Ebs.SnapshotId)
	out, err := c.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeSnapshots %s: %v", id, err)
	}
	return out.Snapshots[0]
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, tag := range tags {
		m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return m
}

func tagSpec(resource ec2types.ResourceType, kv ...string) ec2types.TagSpecification {
	spec := ec2types.TagSpecification{ResourceType: resource}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return spec
}

// errorCode is the AWS error code of err, or "" if it has none.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
