package awstest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// Under EnforceIAM, moto authorizes each call as AWS documents: against the
// resources it names (images, snapshots, keys, parameters, objects), with
// the conditions a policy sets (aws:RequestedRegion, ec2:CreateAction,
// kms:ViaService, kms:ResourceAliases, aws:ResourceTag/…), including what
// CopyImage asks implicitly: ec2:CreateTags for tags on create, and the
// key's KMS actions via EC2 for an encrypted copy. Stock moto 5.2.1 matches
// Resource against "*" only and denies any statement with a Condition:
// most of these fail there.
func TestIAMEnforced(t *testing.T) {
	rig := awstest.Shared(t)
	ctx := t.Context()
	keyARN := rig.CreateKey(t, dst, kmstypes.KeyUsageTypeEncryptDecrypt, "", "alias/golden")
	other, err := kms.NewFromConfig(rig.Config(dst)).CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	ec2c := ec2.NewFromConfig(rig.Config(dst))
	tagged, err := ec2c.CopyImage(ctx, copyInput(func(in *ec2.CopyImageInput) {
		in.Name = aws.String("tagged")
		in.TagSpecifications = []ec2types.TagSpecification{tagSpec(ec2types.ResourceTypeImage, "golden:seal-run", "r1")}
	}))
	if err != nil {
		t.Fatal(err)
	}
	untagged, err := ec2c.CopyImage(ctx, copyInput(func(in *ec2.CopyImageInput) { in.Name = aws.String("untagged") }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3.NewFromConfig(rig.Config("us-east-1"), awstest.S3PathStyle).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("records")}); err != nil {
		t.Fatal(err)
	}
	users := map[string]aws.Credentials{}
	for _, name := range []string{"admin", "nobody", "copier", "keys", "cleaner", "stores"} {
		if users[name], err = rig.CreateUser(ctx, aws.Credentials{}, name); err != nil {
			t.Fatal(err)
		}
	}
	policies := map[string]string{
		"admin": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`,
		"copier": `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "Action": "ec2:CopyImage", "Resource": "arn:aws:ec2:eu-west-1::image/*"},
			{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "arn:aws:ec2:eu-west-1::image/*", "Condition": {"StringEquals": {"ec2:CreateAction": "CopyImage"}}},
			{"Effect": "Allow", "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"],
			 "Resource": "` + keyARN + `", "Condition": {"StringEquals": {"kms:ViaService": "ec2.eu-west-1.amazonaws.com"}}}]}`,
		"keys": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "arn:aws:kms:eu-west-1:` + awstest.AccountID + `:key/*",
			"Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/golden"}}}]}`,
		"cleaner": `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "Action": "ec2:DeregisterImage", "Resource": "arn:aws:ec2:*::image/*", "Condition": {"Null": {"aws:ResourceTag/golden:seal-run": "false"}}},
			{"Effect": "Deny", "Action": "ec2:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}`,
		"stores": `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "Action": ["ssm:PutParameter"], "Resource": "arn:aws:ssm:eu-west-1:` + awstest.AccountID + `:parameter/golden/*"},
			{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::records"},
			{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::records/golden/*"}]}`,
	}
	for name, policy := range policies {
		if err := rig.PutUserPolicy(ctx, aws.Credentials{}, name, "test", policy); err != nil {
			t.Fatal(err)
		}
	}
	stop := rig.EnforceIAM(t)

	encryptedCopy := func(region, key string, tags bool) func(context.Context, aws.Config) error {
		return func(ctx context.Context, cfg aws.Config) error {
			_, err := ec2.NewFromConfig(cfg).CopyImage(ctx, copyInput(func(in *ec2.CopyImageInput) {
				in.Encrypted, in.KmsKeyId = aws.Bool(true), aws.String(key)
				if tags {
					in.TagSpecifications = []ec2types.TagSpecification{tagSpec(ec2types.ResourceTypeImage, "Team", "platform")}
				}
			}))
			return err
		}
	}
	describeKey := func(id string) func(context.Context, aws.Config) error {
		return func(ctx context.Context, cfg aws.Config) error {
			_, err := kms.NewFromConfig(cfg).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
			return err
		}
	}
	deregister := func(id string) func(context.Context, aws.Config) error {
		return func(ctx context.Context, cfg aws.Config) error {
			_, err := ec2.NewFromConfig(cfg).DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)})
			return err
		}
	}
	putParameter := func(name string) func(context.Context, aws.Config) error {
		return func(ctx context.Context, cfg aws.Config) error {
			_, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
			return err
		}
	}
	putObject := func(key string) func(context.Context, aws.Config) error {
		return func(ctx context.Context, cfg aws.Config) error {
			_, err := s3.NewFromConfig(cfg, awstest.S3PathStyle).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("records"), Key: aws.String(key), Body: strings.NewReader("x")})
			return err
		}
	}
	headBucket := func(ctx context.Context, cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg, awstest.S3PathStyle).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("records")})
		return err
	}
	tests := []struct {
		name, user, region string
		call               func(context.Context, aws.Config) error
		allowed            bool
	}{
		{"the dummy keys are refused", "", dst, calls["ec2"], false},
		{"no policy: denied", "nobody", dst, calls["ec2"], false},
		{"no policy: GetCallerIdentity needs none", "nobody", dst, calls["sts"], true},
		{"admin", "admin", dst, calls["ec2"], true},
		{"encrypted copy tagged on create, in the allowed region", "copier", dst, encryptedCopy(dst, keyARN, true), true},
		{"the same copy in another region", "copier", src, encryptedCopy(src, keyARN, true), false},
		{"the same copy with another key: no KMS via EC2", "copier", dst, encryptedCopy(dst, aws.ToString(other.KeyMetadata.Arn), true), false},
		{"kms:DescribeKey outside EC2: kms:ViaService does not hold", "copier", dst, describeKey(keyARN), false},
		{"a key by its alias condition", "keys", dst, describeKey("alias/golden"), true},
		{"the same key by ARN: its aliases count", "keys", dst, describeKey(keyARN), true},
		{"a key without the alias", "keys", dst, describeKey(aws.ToString(other.KeyMetadata.Arn)), false},
		{"an image carrying the tag", "cleaner", dst, deregister(aws.ToString(tagged.ImageId)), true},
		{"an image without the tag", "cleaner", dst, deregister(aws.ToString(untagged.ImageId)), false},
		{"an explicit deny outside the region", "cleaner", src, deregister(aws.ToString(tagged.ImageId)), false},
		{"a parameter under the prefix", "stores", dst, putParameter("/golden/p"), true},
		{"a parameter elsewhere", "stores", dst, putParameter("/other/p"), false},
		{"HeadBucket is s3:ListBucket", "stores", "us-east-1", headBucket, true},
		{"an object under the prefix", "stores", "us-east-1", putObject("golden/a"), true},
		{"an object elsewhere", "stores", "us-east-1", putObject("other/a"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := rig.Config(tt.region)
			if tt.user != "" {
				cfg = rig.ConfigAs(tt.region, users[tt.user])
			}
			err := tt.call(t.Context(), cfg)
			code := errorCode(err)
			switch {
			case tt.allowed && err != nil:
				t.Errorf("denied: %v", err)
			case !tt.allowed && err == nil:
				t.Error("allowed")
			case !tt.allowed && !slices.Contains([]string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure"}, code):
				t.Errorf("failed with %v, want access denied", err)
			}
		})
	}
	stop()
	if err := calls["ec2"](ctx, rig.Config(dst)); err != nil {
		t.Errorf("the dummy keys after EnforceIAM stopped: %v", err)
	}
}
