package awstest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// CreateKey makes a KMS key of usage and spec ("" for the default) in region,
// named alias unless alias is "", and returns its ARN; it fails t otherwise.
func (r *Rig) CreateKey(t testing.TB, region string, usage kmstypes.KeyUsageType, spec kmstypes.KeySpec, alias string) string {
	t.Helper()
	c := kms.NewFromConfig(r.Config(region))
	out, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: usage, KeySpec: spec})
	if err != nil {
		t.Fatalf("creating a KMS key in %s: %v", region, err)
	}
	if alias != "" {
		if _, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
			t.Fatalf("naming a KMS key %s in %s: %v", alias, region, err)
		}
	}
	return aws.ToString(out.KeyMetadata.Arn)
}
