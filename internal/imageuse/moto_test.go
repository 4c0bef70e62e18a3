package imageuse

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// TestFindMoto: Find against the rig, with instances in every state and a
// launch template whose default, latest and older versions name different
// images, one through an SSM parameter.
func TestFindMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the AWS stand-in (moto): not run with -short")
	}
	rig := awstest.Shared(t)
	ctx := t.Context()
	const region = "eu-west-1"
	ec2c, ssmc := ec2.NewFromConfig(rig.Config(region)), ssm.NewFromConfig(rig.Config(region))
	var amis []string
	for _, name := range []string{"running", "stopped", "terminated", "default", "latest", "old-version", "ssm", "unused"} {
		out, err := ec2c.CopyImage(ctx, &ec2.CopyImageInput{SourceImageId: aws.String(awstest.SourceAMIID), SourceRegion: aws.String(region), Name: aws.String("golden-" + name)})
		if err != nil {
			t.Fatal(err)
		}
		amis = append(amis, aws.ToString(out.ImageId))
	}
	run := func(ami string) string {
		out, err := ec2c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Instances[0].InstanceId)
	}
	running, stopped, terminated := run(amis[0]), run(amis[1]), run(amis[2])
	if _, err := ec2c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{terminated}}); err != nil {
		t.Fatal(err)
	}
	lt, err := ec2c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(amis[5])}})
	if err != nil {
		t.Fatal(err)
	}
	ltID := aws.ToString(lt.LaunchTemplate.LaunchTemplateId)
	for _, ami := range []string{amis[3], amis[4]} {
		if _, err := ec2c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(ltID),
			LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(ami)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ec2c.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(ltID), DefaultVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/golden/base"), Value: aws.String(amis[6]), Type: ssmtypes.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("ssm"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("resolve:ssm:/golden/base")}}); err != nil {
		t.Fatal(err)
	}

	got, err := Find(ctx, ec2c, ssmc, amis)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		amis[0]: {"instance " + running + " (running)"},
		amis[1]: {"instance " + stopped + " (stopped)"},
		amis[3]: {"launch template " + ltID + " (web) version 2 ($Default)"},
		amis[4]: {"launch template " + ltID + " (web) version 3 ($Latest)"},
	}
	ssmUse, ok := got[amis[6]]
	delete(got, amis[6])
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
	if !ok || len(ssmUse) != 1 {
		t.Errorf("the image the SSM parameter names: %v, want the launch template that resolves it", ssmUse)
	}
}
