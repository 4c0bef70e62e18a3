// Package verify checks an AMI's provenance as a consumer would: from the
// AMI's pointer tags to the stored envelope, its sha256, its signature by a
// trusted key, and its subject against the live image. The verify command
// (command.go) and the golden-ami data source use it.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// ErrRejected marks every answer that says the provenance does not hold (as
// opposed to a failure to find out, such as AWS being unreachable).
var ErrRejected = errors.New("provenance rejected")

type ec2API interface {
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
}

type fetcher interface {
	Get(ctx context.Context, loc attestore.Location) ([]byte, error)
}

// Checker verifies AMIs against trusted keys.
type Checker struct {
	ec2       func(region string) ec2API
	store     fetcher
	verifiers []dsse.Verifier
}

// New checks with the EC2 clients of each region (awsconfig.Session.EC2 fits),
// reads envelopes with r, and trusts signatures of the verifiers only.
func New(ec2For func(region string) *ec2.Client, r *attestore.Reader, verifiers ...dsse.Verifier) *Checker {
	return &Checker{ec2: func(region string) ec2API { return ec2For(region) }, store: r, verifiers: verifiers}
}

// Result is a verified AMI.
type Result struct {
	Region         string                `json:"region"`
	ImageID        string                `json:"imageId"`
	ImageName      string                `json:"imageName"`
	Location       string                `json:"location"`       // where the envelope was read
	EnvelopeSHA256 string                `json:"envelopeSha256"` // as the tag says and the bytes are
	KeyIDs         []string              `json:"keyIds"`         // the trusted keys
	KMSKeyChecked  bool                  `json:"kmsKeyChecked"`  // the snapshots' key was compared with the record's
	Summary        provenance.Summary    `json:"provenance"`
	Statement      *provenance.Statement `json:"-"`
	Envelope       []byte                `json:"-"` // the stored bytes, for cosign
	image          *types.Image
}

// Image verifies one AMI. The error wraps ErrRejected when the provenance
// does not hold, and says exactly why.
func (c *Checker) Image(ctx context.Context, region, imageID string) (*Result, error) {
	if len(c.verifiers) == 0 {
		return nil, errors.New("no trusted key: give the KMS key or public key the images are signed with")
	}
	img, err := c.describe(ctx, region, imageID)
	if err != nil {
		return nil, err
	}
	r := &Result{Region: region, ImageID: imageID, ImageName: aws.ToString(img.Name), image: img}
	ptr, err := attestore.ParsePointer(tagMap(img.Tags))
	if errors.Is(err, attestore.ErrNoPointer) {
		return r, rejected("%s in %s has no %s tag: it was not sealed with provenance, or its tags were removed", imageID, region, attestore.TagLocation)
	}
	if err != nil {
		return r, rejectedBy(err, "%s in %s", imageID, region)
	}
	r.EnvelopeSHA256 = ptr.SHA256
	if err := c.fetch(ctx, r, ptr); err != nil {
		return r, err
	}
	env, err := provenance.ParseEnvelope(r.Envelope)
	if err != nil {
		return r, rejectedBy(err, "envelope at %s", r.Location)
	}
	st, err := provenance.VerifyAndDecode(ctx, env, c.verifiers...)
	if err != nil {
		return r, rejectedBy(err, "envelope at %s", r.Location)
	}
	r.Statement, r.Summary = st, st.Summary()
	for _, v := range c.verifiers {
		id, _ := v.KeyID()
		r.KeyIDs = append(r.KeyIDs, id)
	}
	if err := c.checkSubject(r, st); err != nil {
		return r, err
	}
	return r, c.checkKMSKey(ctx, r)
}

func (c *Checker) describe(ctx context.Context, region, imageID string) (*types.Image, error) {
	out, err := c.ec2(region).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{imageID}})
	if code := apiCode(err); strings.HasPrefix(code, "InvalidAMIID.") {
		return nil, rejected("%s not found in %s (%s): check the id and region, or it was deregistered", imageID, region, code)
	}
	if err != nil {
		return nil, fmt.Errorf("describing %s in %s: %w", imageID, region, err)
	}
	for i := range out.Images {
		if aws.ToString(out.Images[i].ImageId) == imageID {
			return &out.Images[i], nil
		}
	}
	return nil, rejected("%s not found in %s: check the id and region, or it was deregistered", imageID, region)
}

// fetch reads the envelope from the first location that has the tagged bytes.
func (c *Checker) fetch(ctx context.Context, r *Result, ptr attestore.Pointer) error {
	var problems []string
	var failed error // a failure to read, not a rejection
	for _, loc := range ptr.Locations {
		b, err := c.store.Get(ctx, loc)
		switch {
		case errors.Is(err, attestore.ErrNotFound):
			problems = append(problems, fmt.Sprintf("the envelope is missing at %s", loc))
			continue
		case errors.Is(err, attestore.ErrTooLarge):
			problems = append(problems, err.Error())
			continue
		case err != nil:
			failed = err
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != ptr.SHA256 {
			problems = append(problems, fmt.Sprintf("the envelope at %s has sha256 %s, but the tag %s says %s", loc, got, attestore.TagSHA256, ptr.SHA256))
			if r.Envelope == nil {
				r.Envelope, r.Location = b, loc.String()
			}
			continue
		}
		r.Envelope, r.Location = b, loc.String()
		return nil
	}
	if failed != nil && len(problems) < len(ptr.Locations) {
		return fmt.Errorf("reading the envelope of %s: %w", r.ImageID, failed)
	}
	return rejected("%s in %s: %s", r.ImageID, r.Region, strings.Join(problems, "; "))
}

func (c *Checker) checkSubject(r *Result, st *provenance.Statement) error {
	digest, err := provenance.ImageDigest(ImageOf(r.Region, r.image))
	if err != nil {
		return rejectedBy(err, "%s in %s", r.ImageID, r.Region)
	}
	arn, err := provenance.ImageARN(r.Region, r.ImageID)
	if err != nil {
		return rejectedBy(err, "%s in %s", r.ImageID, r.Region)
	}
	if err := st.CheckSubject(arn, digest); err != nil {
		return rejectedBy(err, "envelope at %s", r.Location)
	}
	return nil
}

// checkKMSKey compares the snapshots' key with the record's, when this account may see the snapshots.
func (c *Checker) checkKMSKey(ctx context.Context, r *Result) error {
	want := r.Summary.KMSKeyID
	var ids []string
	for _, m := range r.image.BlockDeviceMappings {
		if m.Ebs != nil && m.Ebs.SnapshotId != nil {
			ids = append(ids, *m.Ebs.SnapshotId)
		}
	}
	if want == "" || len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	out, err := c.ec2(r.Region).DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: ids})
	if code := apiCode(err); strings.HasPrefix(code, "InvalidSnapshot.") || code == "UnauthorizedOperation" {
		return nil // another account's snapshots: the snapshot ids are in the digest already
	}
	if err != nil {
		return fmt.Errorf("describing the snapshots of %s in %s: %w", r.ImageID, r.Region, err)
	}
	for _, s := range out.Snapshots {
		if got := aws.ToString(s.KmsKeyId); got != want {
			return rejected("%s in %s: snapshot %s is encrypted with %q, the record says %s", r.ImageID, r.Region, aws.ToString(s.SnapshotId), got, want)
		}
	}
	r.KMSKeyChecked = len(out.Snapshots) == len(ids)
	return nil
}

// ImageOf is the image digest's input as DescribeImages reports the AMI in region.
func ImageOf(region string, img *types.Image) provenance.Image {
	out := provenance.Image{Region: region, ImageID: aws.ToString(img.ImageId), OwnerID: aws.ToString(img.OwnerId), Name: aws.ToString(img.Name)}
	for _, m := range img.BlockDeviceMappings {
		if m.Ebs == nil || m.Ebs.SnapshotId == nil {
			continue
		}
		out.BlockDevices = append(out.BlockDevices, provenance.BlockDevice{
			DeviceName: aws.ToString(m.DeviceName),
			SnapshotID: aws.ToString(m.Ebs.SnapshotId),
			Encrypted:  aws.ToBool(m.Ebs.Encrypted),
		})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func rejectedBy(err error, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %w", ErrRejected, fmt.Sprintf(format, args...), err)
}

func rejected(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, args...))
}
