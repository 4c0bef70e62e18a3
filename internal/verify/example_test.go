package verify_test

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

// Example_seal is how golden-seal records provenance: preflight once, then
// per sealed AMI build, sign, store and tag. It compiles with the packages'
// API; internal/verify's tests run the same steps against moto.
func Example_seal() {
	ctx := context.Background()
	sess, _ := (&awsconfig.AccessConfig{Region: "eu-west-1"}).Session(ctx)

	// Preflight, before anything changes: the key can sign, the pointer fits the tags.
	signer, err := kmssign.NewKMS(ctx, sess.KMS("eu-west-1"), "alias/golden-provenance")
	if err != nil {
		return // fail the seal
	}
	s3store, err := attestore.NewS3Store(sess.S3("eu-west-1"), "golden-provenance", "golden/provenance", "")
	if err != nil {
		return
	}
	stores := []attestore.Store{s3store}
	if err := attestore.CheckPointer(stores, []string{"eu-west-1", "us-east-1"}); err != nil {
		return
	}
	hostname, _ := os.Hostname()
	run := &provenance.Run{
		BuildName: "debian", InvocationID: "packer_run_uuid", StartedOn: time.Now(),
		Regions: []string{"eu-west-1", "us-east-1"}, KMSKeyIDs: map[string]string{"eu-west-1": "arn:aws:kms:…"},
		Runner: provenance.DetectRunner(os.Getenv, hostname),
	}

	// Per region, once its AMI is available and verified, before the source is removed.
	region, imageID := "eu-west-1", "ami-0123456789abcdef0"
	out, err := sess.EC2(region).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{imageID}})
	if err != nil || len(out.Images) != 1 {
		return
	}
	run.FinishedOn = time.Now()
	st, err := run.Statement(verify.ImageOf(region, &out.Images[0]))
	if err != nil {
		return
	}
	env, err := provenance.Sign(ctx, st, signer)
	if err != nil {
		return
	}
	b, err := provenance.MarshalEnvelope(env)
	if err != nil {
		return
	}
	saved, err := attestore.Save(ctx, stores, region, imageID, b)
	if err != nil {
		return
	}
	tags, _ := saved.Pointer.Tags() // Save checked they fit
	var ec2tags []ec2types.Tag
	for _, t := range tags {
		ec2tags = append(ec2tags, ec2types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	if _, err := sess.EC2(region).CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{imageID}, Tags: ec2tags}); err != nil {
		_ = saved.Discard(context.WithoutCancel(ctx)) // and roll back the AMIs
	}
}
