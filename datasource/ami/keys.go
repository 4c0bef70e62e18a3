package ami

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
)

// kmsAPI is what resolving require_encrypted_with needs of KMS.
type kmsAPI interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// resolveKeys turns require_encrypted_with into key ARNs, the form
// DescribeSnapshots reports: key ARNs as they are, the others looked up
// with DescribeKey in their region (an alias ARN's, else region).
func resolveKeys(ctx context.Context, kmsFor func(region string) kmsAPI, region string, refs []string) ([]string, error) {
	var arns []string
	for _, s := range refs {
		ref, err := kmsref.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("require_encrypted_with: %w", err)
		}
		if ref.Kind == kmsref.KeyARN {
			arns = append(arns, s)
			continue
		}
		in := region
		if ref.Region != "" {
			in = ref.Region
		}
		out, err := kmsFor(in).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(s)})
		if err != nil {
			return nil, fmt.Errorf("require_encrypted_with: looking up %s in %s: %w: name the key by its ARN, or check that it exists there", s, in, err)
		}
		arns = append(arns, aws.ToString(out.KeyMetadata.Arn))
	}
	return arns, nil
}
