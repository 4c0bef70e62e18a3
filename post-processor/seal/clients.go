package seal

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
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
	}
)

// clients gives the per-region clients of the steps.
type clients struct {
	sts func(region string) stsAPI
	kms func(region string) kmsAPI
	ec2 func(region string) ec2API
}

func sessionClients(s *awsconfig.Session) clients {
	return clients{
		sts: func(r string) stsAPI { return s.STS(r) },
		kms: func(r string) kmsAPI { return s.KMS(r) },
		ec2: func(r string) ec2API { return s.EC2(r) },
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
