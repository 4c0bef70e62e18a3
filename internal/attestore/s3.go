package attestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// MediaType is the Content-Type of stored envelopes.
const MediaType = "application/vnd.dsse.envelope.v1+json"

type s3PutAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	Options() s3.Options
}

type s3GetAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Store puts envelopes into a bucket as PREFIX/REGION/AMI.intoto.json.
type S3Store struct {
	client   s3PutAPI
	bucket   string
	prefix   string
	kmsKeyID string
}

// NewS3Store stores into bucket through client, which must be for the
// bucket's region. With kmsKeyID, objects are encrypted with SSE-KMS.
func NewS3Store(client s3PutAPI, bucket, prefix, kmsKeyID string) (*S3Store, error) {
	s := &S3Store{client: client, bucket: bucket, prefix: prefix, kmsKeyID: kmsKeyID}
	if err := s.Locate("eu-west-1", "ami-00000000000000000").Validate(); err != nil {
		return nil, fmt.Errorf("s3_bucket %q, s3_prefix %q: %w", bucket, prefix, err)
	}
	return s, nil
}

// Locate names the object of imageID.
func (s *S3Store) Locate(region, imageID string) Location {
	return S3Location(s.client.Options().Region, s.bucket, s.prefix, region, imageID)
}

// S3Location is where an S3Store for bucket, in bucketRegion, puts the
// envelope of imageID in region under prefix.
func S3Location(bucketRegion, bucket, prefix, region, imageID string) Location {
	return Location{Kind: S3, Region: bucketRegion, Bucket: bucket, Name: objectName(prefix, region, imageID, ".intoto.json")}
}

// Put uploads the envelope.
func (s *S3Store) Put(ctx context.Context, region, imageID string, envelope []byte) (Location, error) {
	loc := s.Locate(region, imageID)
	in := &s3.PutObjectInput{
		Bucket:      aws.String(loc.Bucket),
		Key:         aws.String(loc.Name),
		Body:        bytes.NewReader(envelope),
		ContentType: aws.String(MediaType),
	}
	if s.kmsKeyID != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(s.kmsKeyID)
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return Location{}, fmt.Errorf("storing the provenance of %s at %s: %w", imageID, loc, err)
	}
	return loc, nil
}

// Delete removes the object.
func (s *S3Store) Delete(ctx context.Context, loc Location) error {
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)}); err != nil {
		return fmt.Errorf("deleting %s: %w", loc, err)
	}
	return nil
}

func getS3(ctx context.Context, client s3GetAPI, loc Location) ([]byte, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)},
		// The envelope's sha256 is checked against the tag; the SDK's note about a missing checksum is noise on a consumer's terminal.
		func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true })
	var nsk *types.NoSuchKey
	var nsb *types.NoSuchBucket
	switch {
	case errors.As(err, &nsk), errors.As(err, &nsb):
		return nil, fmt.Errorf("%s: %w", loc, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", loc, err)
	}
	defer out.Body.Close()
	return readLimited(out.Body, loc)
}

// readLimited reads at most provenance.MaxEnvelopeSize bytes.
func readLimited(r io.Reader, loc Location) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, provenance.MaxEnvelopeSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", loc, err)
	}
	if len(b) > provenance.MaxEnvelopeSize {
		return nil, fmt.Errorf("%s holds more than %d bytes: %w", loc, provenance.MaxEnvelopeSize, ErrTooLarge)
	}
	return b, nil
}
