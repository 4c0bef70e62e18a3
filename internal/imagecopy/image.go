package imagecopy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

// Image is an AMI and its EBS snapshots as DescribeImages and
// DescribeSnapshots report them.
type Image struct {
	Region       string
	ID           string
	Name         string
	OwnerID      string
	CreationDate string
	State        string // pending, available, failed, ...
	StateReason  string
	Tags         map[string]string
	Snapshots    []Snapshot // in block device order
}

// Snapshot is one EBS snapshot of an image.
type Snapshot struct {
	ID        string
	State     string // pending, completed, error
	Progress  int    // percent; -1 when not reported
	Encrypted bool
	KMSKeyID  string // the key's ARN, as DescribeSnapshots reports it
	Tags      map[string]string
}

// SnapshotIDs returns the ids of the image's snapshots.
func (i Image) SnapshotIDs() []string {
	ids := make([]string, 0, len(i.Snapshots))
	for _, s := range i.Snapshots {
		ids = append(ids, s.ID)
	}
	return ids
}

// EncryptedWith reports whether every snapshot of the image is encrypted with keyARN.
func (i Image) EncryptedWith(keyARN string) bool {
	return len(i.Snapshots) > 0 && !slices.ContainsFunc(i.Snapshots, func(s Snapshot) bool {
		return !s.Encrypted || s.KMSKeyID != keyARN
	})
}

// Describe returns the image id in region with its snapshots. It fails when
// the image does not exist or is not available.
func (c *Copier) Describe(ctx context.Context, region, id string) (Image, error) {
	api := c.ec2(region)
	img, err := describeImage(ctx, api, region, id)
	if err != nil {
		return Image{}, err
	}
	if img.State != "available" {
		return Image{}, fmt.Errorf("image %s in %s is %s, not available: wait for it or use another one", id, region, img.State)
	}
	if err := describeSnapshots(ctx, api, &img); err != nil {
		return Image{}, err
	}
	return img, nil
}

// errImageNotFound is describeImage's error for an image EC2 does not know (yet, or any more).
var errImageNotFound = errors.New("image not found")

// describeImage describes one image; its snapshots carry only their ids.
func describeImage(ctx context.Context, api ec2API, region, id string) (Image, error) {
	out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if apiCode(err) == "InvalidAMIID.NotFound" || apiCode(err) == "InvalidAMIID.Unavailable" || (err == nil && len(out.Images) == 0) {
		return Image{}, fmt.Errorf("image %s in %s: %w", id, region, errImageNotFound)
	}
	if err != nil {
		return Image{}, fmt.Errorf("describing image %s in %s: %w", id, region, err)
	}
	i := out.Images[0]
	img := Image{
		Region: region, ID: id, Name: aws.ToString(i.Name), OwnerID: aws.ToString(i.OwnerId),
		CreationDate: aws.ToString(i.CreationDate), State: string(i.State), Tags: tagMap(i.Tags),
	}
	if i.StateReason != nil {
		img.StateReason = strings.TrimSpace(aws.ToString(i.StateReason.Code) + " " + aws.ToString(i.StateReason.Message))
	}
	for _, m := range i.BlockDeviceMappings {
		if m.Ebs != nil && aws.ToString(m.Ebs.SnapshotId) != "" {
			img.Snapshots = append(img.Snapshots, Snapshot{ID: aws.ToString(m.Ebs.SnapshotId), Progress: -1, Encrypted: aws.ToBool(m.Ebs.Encrypted)})
		}
	}
	return img, nil
}

// describeSnapshots fills in the state, progress and encryption of img's snapshots.
func describeSnapshots(ctx context.Context, api ec2API, img *Image) error {
	if len(img.Snapshots) == 0 {
		return nil
	}
	out, err := api.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: img.SnapshotIDs()})
	if err != nil {
		return fmt.Errorf("describing the snapshots of %s in %s: %w", img.ID, img.Region, err)
	}
	byID := map[string]int{}
	for i, s := range img.Snapshots {
		byID[s.ID] = i
	}
	seen := 0
	for _, s := range out.Snapshots {
		i, ok := byID[aws.ToString(s.SnapshotId)]
		if !ok {
			continue
		}
		seen++
		img.Snapshots[i] = Snapshot{
			ID: aws.ToString(s.SnapshotId), State: string(s.State), Progress: percent(aws.ToString(s.Progress)),
			Encrypted: aws.ToBool(s.Encrypted), KMSKeyID: aws.ToString(s.KmsKeyId), Tags: tagMap(s.Tags),
		}
	}
	if seen != len(img.Snapshots) {
		return fmt.Errorf("describing the snapshots of %s in %s: %d of %d found", img.ID, img.Region, seen, len(img.Snapshots))
	}
	return nil
}

// percent parses DescribeSnapshots' Progress ("45%"); -1 when it is absent or malformed.
func percent(s string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || n < 0 || n > 100 {
		return -1
	}
	return n
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
