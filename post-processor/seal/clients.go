package seal

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/imageuse"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

// The AWS calls of golden-seal's own steps; imagecopy makes the others.
type (
	stsAPI interface {
		GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	}
	kmsAPI interface {
		DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
		GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error)
	}
	ec2API interface {
		DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
		ModifyImageAttribute(ctx context.Context, in *ec2.ModifyImageAttributeInput, optFns ...func(*ec2.Options)) (*ec2.ModifyImageAttributeOutput, error)
		ModifySnapshotAttribute(ctx context.Context, in *ec2.ModifySnapshotAttributeInput, optFns ...func(*ec2.Options)) (*ec2.ModifySnapshotAttributeOutput, error)
		EnableImageDeprecation(ctx context.Context, in *ec2.EnableImageDeprecationInput, optFns ...func(*ec2.Options)) (*ec2.EnableImageDeprecationOutput, error)
		CreateTags(ctx context.Context, in *ec2.CreateTagsInput, optFns ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	}
	// signKMSAPI is what kmssign.NewKMS needs of the signing key's region.
	signKMSAPI interface {
		DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
		GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
		Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
		Options() kms.Options
	}
	s3API interface {
		HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
		PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
		DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
		Options() s3.Options
	}
	ssmAPI interface {
		PutParameter(ctx context.Context, in *ssm.PutParameterInput, optFns ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
		DeleteParameter(ctx context.Context, in *ssm.DeleteParameterInput, optFns ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
		Options() ssm.Options
	}
	// imageChecker verifies a sealed image's provenance as a consumer does.
	imageChecker interface {
		Image(ctx context.Context, region, imageID string) (*verify.Result, error)
	}
)

// clients gives the per-region clients of the steps.
type clients struct {
	sts     func(region string) stsAPI
	kms     func(region string) kmsAPI
	ec2     func(region string) ec2API
	signKMS func(region string) signKMSAPI
	s3      func(region string) s3API
	ssm     func(region string) ssmAPI
	// checker verifies with v, following file locations under dirs.
	checker func(v dsse.Verifier, dirs ...string) (imageChecker, error)
	// credentials are the credentials in use, to keep out of the record.
	credentials func(ctx context.Context) (aws.Credentials, error)
	// uses says what uses each of ids in region (imageuse.Find).
	uses func(ctx context.Context, region string, ids []string) (map[string][]string, error)
}

func sessionClients(s *awsconfig.Session) clients {
	return clients{
		sts:     func(r string) stsAPI { return s.STS(r) },
		kms:     func(r string) kmsAPI { return s.KMS(r) },
		ec2:     func(r string) ec2API { return s.EC2(r) },
		signKMS: func(r string) signKMSAPI { return s.KMS(r) },
		s3:      func(r string) s3API { return s.S3(r) },
		ssm:     func(r string) ssmAPI { return s.SSM(r) },
		checker: func(v dsse.Verifier, dirs ...string) (imageChecker, error) {
			reader, err := attestore.NewReader(s.S3, s.SSM, dirs...)
			if err != nil {
				return nil, err
			}
			return verify.New(s.EC2, reader, v), nil
		},
		credentials: func(ctx context.Context) (aws.Credentials, error) { return s.Config().Credentials.Retrieve(ctx) },
		uses: func(ctx context.Context, r string, ids []string) (map[string][]string, error) {
			return imageuse.Find(ctx, s.EC2(r), s.SSM(r), ids)
		},
	}
}

// copier is what the steps need of imagecopy.
type copier interface {
	Describe(ctx context.Context, region, id string) (imagecopy.Image, error)
	CleanLeftovers(ctx context.Context, regions []string) (imagecopy.Report, error)
	Run(ctx context.Context, jobs []imagecopy.Job) ([]*imagecopy.Copy, error)
	Rollback(ctx context.Context, copies []*imagecopy.Copy) (imagecopy.Report, error)
	MarkSealed(ctx context.Context, copies []*imagecopy.Copy) error
	Remove(ctx context.Context, img imagecopy.Image) ([]string, error)
}
