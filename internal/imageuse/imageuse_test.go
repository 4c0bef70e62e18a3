package imageuse

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
)

// fakeEC2 answers with fixed instances and launch template versions, and
// checks the filters Find sends.
type fakeEC2 struct {
	t         *testing.T
	instances []ec2types.Instance
	versions  []ec2types.LaunchTemplateVersion
	err       error
}

func (f *fakeEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	var images, states []string
	for _, fl := range in.Filters {
		switch aws.ToString(fl.Name) {
		case "image-id":
			images = fl.Values
		case "instance-state-name":
			states = fl.Values
		}
	}
	if diff := cmp.Diff(liveStates, states); diff != "" {
		f.t.Errorf("instance-state-name filter (-want +got):\n%s", diff)
	}
	var out []ec2types.Instance
	for _, i := range f.instances {
		for _, id := range images {
			if aws.ToString(i.ImageId) == id {
				out = append(out, i)
			}
		}
	}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{{Instances: out}}}, nil
}

func (f *fakeEC2) DescribeLaunchTemplateVersions(_ context.Context, in *ec2.DescribeLaunchTemplateVersionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error) {
	if diff := cmp.Diff([]string{"$Default", "$Latest"}, in.Versions); diff != "" || in.LaunchTemplateId != nil {
		f.t.Errorf("DescribeLaunchTemplateVersions %+v: want every template's $Default and $Latest", in)
	}
	return &ec2.DescribeLaunchTemplateVersionsOutput{LaunchTemplateVersions: f.versions}, nil
}

type fakeSSM map[string]string

func (f fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, ok := f[aws.ToString(in.Name)]
	if !ok {
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String("not found")}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String(v)}}, nil
}

func instance(id, image string, state ec2types.InstanceStateName) ec2types.Instance {
	return ec2types.Instance{InstanceId: aws.String(id), ImageId: aws.String(image), State: &ec2types.InstanceState{Name: state}}
}

func version(lt string, n int64, isDefault bool, image string) ec2types.LaunchTemplateVersion {
	return ec2types.LaunchTemplateVersion{
		LaunchTemplateId: aws.String(lt), LaunchTemplateName: aws.String("web"), VersionNumber: aws.Int64(n), DefaultVersion: aws.Bool(isDefault),
		LaunchTemplateData: &ec2types.ResponseLaunchTemplateData{ImageId: aws.String(image)},
	}
}

func TestFind(t *testing.T) {
	api := &fakeEC2{t: t,
		instances: []ec2types.Instance{
			instance("i-2", "ami-a", ec2types.InstanceStateNameStopped),
			instance("i-1", "ami-a", ec2types.InstanceStateNameRunning),
			instance("i-3", "ami-other", ec2types.InstanceStateNameRunning),
		},
		versions: []ec2types.LaunchTemplateVersion{
			version("lt-1", 1, true, "ami-b"), version("lt-1", 4, false, "ami-c"), // default and latest differ
			version("lt-2", 2, true, "resolve:ssm:/golden/base"), version("lt-2", 2, true, "resolve:ssm:/golden/base"), // both: one version
			version("lt-3", 1, true, "ami-unrelated"),
		},
	}
	got, err := Find(t.Context(), api, fakeSSM{"/golden/base": "ami-d"}, []string{"ami-d", "ami-c", "ami-b", "ami-a", "ami-e"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"ami-a": {"instance i-1 (running)", "instance i-2 (stopped)"},
		"ami-b": {"launch template lt-1 (web) version 1 ($Default)"},
		"ami-c": {"launch template lt-1 (web) version 4 ($Latest)"},
		"ami-d": {"launch template lt-2 (web) version 2 ($Default, $Latest)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
}

func TestFindCannotTell(t *testing.T) {
	api := &fakeEC2{t: t, versions: []ec2types.LaunchTemplateVersion{version("lt-1", 1, true, "resolve:ssm:/gone")}}
	if _, err := Find(t.Context(), api, fakeSSM{}, []string{"ami-a"}); err == nil || !strings.Contains(err.Error(), "SSM parameter /gone, which could not be read") {
		t.Errorf("an unreadable SSM parameter: %v", err)
	}
	denied := errors.New("UnauthorizedOperation")
	if _, err := Find(t.Context(), &fakeEC2{t: t, err: denied}, fakeSSM{}, []string{"ami-a"}); !errors.Is(err, denied) {
		t.Errorf("DescribeInstances denied: %v", err)
	}
	if got, err := Find(t.Context(), &fakeEC2{t: t, err: denied}, fakeSSM{}, nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v, %v; want no call", got, err)
	}
}
