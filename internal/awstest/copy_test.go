package awstest_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

const src, dst = "us-east-1", "eu-west-1"

func copyInput(mods ...func(*ec2.CopyImageInput)) *ec2.CopyImageInput {
	in := &ec2.CopyImageInput{SourceImageId: aws.String(awstest.SourceAMIID), SourceRegion: aws.String(src), Name: aws.String("golden-copy")}
	for _, mod := range mods {
		mod(in)
	}
	return in
}

// CopyImage with Encrypted encrypts the copy's snapshots with the KmsKeyId
// named in any form, resolved in the destination region, or with the
// region's default EBS key; DescribeImages says Encrypted, DescribeSnapshots
// says which key. Stock moto 5.2.1 ignores both parameters: fails there.
func TestCopyImageEncrypts(t *testing.T) {
	rig := awstest.Shared(t)
	kmsc := kms.NewFromConfig(rig.Config(dst))
	key, err := kmsc.CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kmsc.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/golden"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	ebsDefault, err := kmsc.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/ebs")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, keyID, wantKey string
	}{
		{"key id", aws.ToString(key.KeyMetadata.KeyId), keyARN},
		{"key arn", keyARN, keyARN},
		{"alias", "alias/golden", keyARN},
		{"alias arn", "arn:aws:kms:" + dst + ":" + awstest.AccountID + ":alias/golden", keyARN},
		{"default key", "", aws.ToString(ebsDefault.KeyMetadata.Arn)},
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.CopyImage(t.Context(), copyInput(func(in *ec2.CopyImageInput) {
				in.Encrypted = aws.Bool(true)
				if tt.keyID != "" {
					in.KmsKeyId = aws.String(tt.keyID)
				}
			}))
			if err != nil {
				t.Fatalf("CopyImage: %v", err)
			}
			img := describeImage(t, c, aws.ToString(out.ImageId))
			if ebs := img.BlockDeviceMappings[0].Ebs; !aws.ToBool(ebs.Encrypted) {
				t.Errorf("DescribeImages: mapping not encrypted: %+v", ebs)
			}
			snap := rootSnapshot(t, c, img)
			got := []any{aws.ToBool(snap.Encrypted), aws.ToString(snap.KmsKeyId), img.State, img.RootDeviceType, aws.ToString(img.SourceImageId)}
			want := []any{true, tt.wantKey, ec2types.ImageStateAvailable, ec2types.DeviceTypeEbs, awstest.SourceAMIID}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("copy (encrypted, key, state, root device, source) (-want +got):\n%s", diff)
			}
		})
	}
}

// A copy without Encrypted of an unencrypted AMI stays unencrypted.
func TestCopyImageUnencrypted(t *testing.T) {
	rig := awstest.Shared(t)
	c := ec2.NewFromConfig(rig.Config(dst))
	out, err := c.CopyImage(t.Context(), copyInput())
	if err != nil {
		t.Fatal(err)
	}
	img := describeImage(t, c, aws.ToString(out.ImageId))
	if snap := rootSnapshot(t, c, img); aws.ToBool(snap.Encrypted) || snap.KmsKeyId != nil {
		t.Errorf("snapshot encrypted=%v key=%v, want unencrypted", aws.ToBool(snap.Encrypted), aws.ToString(snap.KmsKeyId))
	}
}

// EC2 checks KmsKeyId asynchronously: CopyImage succeeds and the copy ends
// "failed" when the key is unknown, in another region, or asymmetric; a
// KmsKeyId without Encrypted is refused at once. Stock moto: fails.
func TestCopyImageUnusableKey(t *testing.T) {
	rig := awstest.Shared(t)
	srcKey, err := kms.NewFromConfig(rig.Config(src)).CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	signKey, err := kms.NewFromConfig(rig.Config(dst)).CreateKey(t.Context(), &kms.CreateKeyInput{
		KeyUsage: kmstypes.KeyUsageTypeSignVerify, KeySpec: kmstypes.KeySpecEccNistP256})
	if err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	for name, keyID := range map[string]string{
		"unknown alias":     "alias/missing",
		"key of src region": aws.ToString(srcKey.KeyMetadata.Arn),
		"asymmetric key":    aws.ToString(signKey.KeyMetadata.KeyId),
	} {
		t.Run(name, func(t *testing.T) {
			out, err := c.CopyImage(t.Context(), copyInput(func(in *ec2.CopyImageInput) {
				in.Encrypted, in.KmsKeyId = aws.Bool(true), aws.String(keyID)
			}))
			if err != nil {
				t.Fatalf("CopyImage: %v (AWS accepts the call and fails the copy)", err)
			}
			img := describeImage(t, c, aws.ToString(out.ImageId))
			if img.State != ec2types.ImageStateFailed || img.StateReason == nil {
				t.Errorf("copy state %q reason %+v, want failed with a reason", img.State, img.StateReason)
			}
		})
	}
	_, err = c.CopyImage(t.Context(), copyInput(func(in *ec2.CopyImageInput) { in.KmsKeyId = aws.String("alias/aws/ebs") }))
	if got := errorCode(err); got != "InvalidParameterDependency" {
		t.Errorf("KmsKeyId without Encrypted: error %v, want InvalidParameterDependency", err)
	}
}

// ClientToken makes CopyImage idempotent per region; Reset forgets tokens.
// Stock moto: fails (every call copies again).
func TestCopyImageClientToken(t *testing.T) {
	rig := awstest.Shared(t)
	c := ec2.NewFromConfig(rig.Config(dst))
	withToken := func(token string) func(*ec2.CopyImageInput) {
		return func(in *ec2.CopyImageInput) { in.ClientToken = aws.String(token) }
	}
	copyID := func(c *ec2.Client, mods ...func(*ec2.CopyImageInput)) (string, error) {
		out, err := c.CopyImage(t.Context(), copyInput(mods...))
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ImageId), nil
	}
	first, err := copyID(c, withToken("golden-1"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := copyID(c, withToken("golden-1")); err != nil || again != first {
		t.Errorf("same token again: %s, %v; want %s", again, err, first)
	}
	if other, err := copyID(c, withToken("golden-2")); err != nil || other == first {
		t.Errorf("another token: %s, %v; want a new image", other, err)
	}
	if elsewhere, err := copyID(ec2.NewFromConfig(rig.Config("ap-southeast-2")), withToken("golden-1")); err != nil || elsewhere == first {
		t.Errorf("same token in another region: %s, %v; want a new image", elsewhere, err)
	}
	_, err = copyID(c, withToken("golden-1"), func(in *ec2.CopyImageInput) { in.Name = aws.String("other-name") })
	if got := errorCode(err); got != "IdempotentParameterMismatch" {
		t.Errorf("same token, other parameters: %v, want IdempotentParameterMismatch", err)
	}
	if err := rig.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if afterReset, err := copyID(c, withToken("golden-1")); err != nil || afterReset == first {
		t.Errorf("token after Reset: %s, %v; want a new image", afterReset, err)
	}
}

// TagSpecifications tag the copy and its snapshots on create; CopyImageTags
// copies the source's user tags. Stock moto: fails (ignores all three).
func TestCopyImageTags(t *testing.T) {
	rig := awstest.Shared(t)
	srcc := ec2.NewFromConfig(rig.Config(src))
	if _, err := srcc.CreateTags(t.Context(), &ec2.CreateTagsInput{
		Resources: []string{awstest.SourceAMIID}, Tags: tagSpec("", "team", "golden").Tags}); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	out, err := c.CopyImage(t.Context(), copyInput(func(in *ec2.CopyImageInput) {
		in.CopyImageTags = aws.Bool(true)
		in.TagSpecifications = []ec2types.TagSpecification{
			tagSpec(ec2types.ResourceTypeImage, "Name", "golden", "stage", "sealed"),
			tagSpec(ec2types.ResourceTypeSnapshot, "Name", "golden-root"),
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	img := describeImage(t, c, aws.ToString(out.ImageId))
	if diff := cmp.Diff(map[string]string{"Name": "golden", "stage": "sealed", "team": "golden"}, tagMap(img.Tags)); diff != "" {
		t.Errorf("image tags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"Name": "golden-root"}, tagMap(rootSnapshot(t, c, img).Tags)); diff != "" {
		t.Errorf("snapshot tags (-want +got):\n%s", diff)
	}
}

// CreateImage applies a snapshot TagSpecification to the image's snapshots.
// Stock moto: fails (HTTP 500 NotImplementedError).
func TestCreateImageSnapshotTags(t *testing.T) {
	rig := awstest.Shared(t)
	c := ec2.NewFromConfig(rig.Config(src))
	run, err := c.RunInstances(t.Context(), &ec2.RunInstancesInput{
		ImageId: aws.String(awstest.SourceAMIID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.CreateImage(t.Context(), &ec2.CreateImageInput{
		InstanceId: run.Instances[0].InstanceId,
		Name:       aws.String("golden-build"),
		TagSpecifications: []ec2types.TagSpecification{
			tagSpec(ec2types.ResourceTypeImage, "Name", "golden-build"),
			tagSpec(ec2types.ResourceTypeSnapshot, "Name", "golden-build-root", "build", "42"),
		},
	})
	if err != nil {
		t.Fatalf("CreateImage with a snapshot TagSpecification: %v", err)
	}
	img := describeImage(t, c, aws.ToString(out.ImageId))
	if diff := cmp.Diff(map[string]string{"Name": "golden-build"}, tagMap(img.Tags)); diff != "" {
		t.Errorf("image tags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"Name": "golden-build-root", "build": "42"}, tagMap(rootSnapshot(t, c, img).Tags)); diff != "" {
		t.Errorf("snapshot tags (-want +got):\n%s", diff)
	}
}
