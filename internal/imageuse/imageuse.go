// Package imageuse finds what uses AMIs in a region, so that nothing in use
// is deregistered: instances that are not terminated, and the default and
// latest versions of launch templates (their image id, or the SSM parameter
// it resolves from).
package imageuse

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// ec2API is what Find needs of EC2 in one region.
type ec2API interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeLaunchTemplateVersions(ctx context.Context, in *ec2.DescribeLaunchTemplateVersionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error)
}

// ssmAPI resolves launch templates' resolve:ssm: image ids.
type ssmAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// liveStates are the instance states in which an instance uses its image:
// every state but terminated.
var liveStates = []string{"pending", "running", "shutting-down", "stopping", "stopped"}

// batch is the most values one EC2 filter takes.
const batch = 200

// ssmPrefix marks a launch template image id that is an SSM parameter.
const ssmPrefix = "resolve:ssm:"

// Find returns, for each of ids that is in use in the region of the
// clients, what uses it, sorted: "instance i-… (running)", "launch template
// lt-… (name) version 3 ($Default, $Latest)". An error means it could not
// tell, and the caller must assume every image is in use.
func Find(ctx context.Context, ec2c ec2API, ssmc ssmAPI, ids []string) (map[string][]string, error) {
	uses := map[string][]string{}
	if len(ids) == 0 {
		return uses, nil
	}
	wanted := map[string]bool{}
	for _, id := range ids {
		wanted[id] = true
	}
	if err := instances(ctx, ec2c, slices.Sorted(maps.Keys(wanted)), uses); err != nil {
		return nil, err
	}
	if err := launchTemplates(ctx, ec2c, ssmc, wanted, uses); err != nil {
		return nil, err
	}
	for id := range uses {
		uses[id] = slices.Compact(slices.Sorted(slices.Values(uses[id])))
	}
	return uses, nil
}

func instances(ctx context.Context, api ec2API, ids []string, uses map[string][]string) error {
	for chunk := range slices.Chunk(ids, batch) {
		p := ec2.NewDescribeInstancesPaginator(api, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
			{Name: aws.String("image-id"), Values: chunk},
			{Name: aws.String("instance-state-name"), Values: liveStates},
		}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("listing the instances of the images: %w", err)
			}
			for _, r := range page.Reservations {
				for _, i := range r.Instances {
					state := ""
					if i.State != nil {
						state = string(i.State.Name)
					}
					id := aws.ToString(i.ImageId)
					uses[id] = append(uses[id], fmt.Sprintf("instance %s (%s)", aws.ToString(i.InstanceId), state))
				}
			}
		}
	}
	return nil
}

// launchTemplates reads the default and latest version of every launch
// template in one listing, as DescribeLaunchTemplateVersions allows.
func launchTemplates(ctx context.Context, ec2c ec2API, ssmc ssmAPI, wanted map[string]bool, uses map[string][]string) error {
	type version struct {
		template, name string
		number         int64
	}
	tags := map[version][]string{} // the version's $Default / $Latest
	images := map[version]string{}
	p := ec2.NewDescribeLaunchTemplateVersionsPaginator(ec2c, &ec2.DescribeLaunchTemplateVersionsInput{
		Versions: []string{"$Default", "$Latest"}, MaxResults: aws.Int32(200),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the launch templates' default and latest versions: %w", err)
		}
		for _, v := range page.LaunchTemplateVersions {
			k := version{aws.ToString(v.LaunchTemplateId), aws.ToString(v.LaunchTemplateName), aws.ToInt64(v.VersionNumber)}
			if aws.ToBool(v.DefaultVersion) && !slices.Contains(tags[k], "$Default") {
				tags[k] = append(tags[k], "$Default")
			}
			if _, seen := images[k]; !seen && v.LaunchTemplateData != nil {
				images[k] = aws.ToString(v.LaunchTemplateData.ImageId)
			}
		}
	}
	latest := map[string]int64{}
	for k := range images {
		latest[k.template] = max(latest[k.template], k.number)
	}
	keys := slices.SortedFunc(maps.Keys(images), func(a, b version) int {
		return cmp.Or(strings.Compare(a.template, b.template), cmp.Compare(a.number, b.number))
	})
	resolved := map[string]string{}
	for _, k := range keys {
		image := images[k]
		if name, ok := strings.CutPrefix(image, ssmPrefix); ok {
			if _, done := resolved[name]; !done {
				out, err := ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
				if err != nil {
					return fmt.Errorf("launch template %s (%s) version %d takes its image from SSM parameter %s, which could not be read: %w", k.template, k.name, k.number, name, err)
				}
				resolved[name] = aws.ToString(out.Parameter.Value)
			}
			image = resolved[name]
		}
		if !wanted[image] {
			continue
		}
		which := tags[k]
		if k.number == latest[k.template] {
			which = append(which, "$Latest")
		}
		uses[image] = append(uses[image], fmt.Sprintf("launch template %s (%s) version %d (%s)", k.template, k.name, k.number, strings.Join(which, ", ")))
	}
	return nil
}
