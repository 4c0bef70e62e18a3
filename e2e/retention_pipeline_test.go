package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

const retentionFamily = "debian-12-golden"

func retentionVars(keys string, extra ...string) []string {
	return sealVars(keys, append([]string{"PKR_VAR_family=" + retentionFamily, `PKR_VAR_source_ami_owners=["` + awstest.SourceAMIOwner + `"]`}, extra...)...)
}

// retentionState is what a test compares of an account's images and snapshots
// before and after: ids, deprecation times and tags.
func retentionState(t *testing.T, rig *awstest.Rig) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range sealRegions {
		inv := take(t, rig, r)
		for id, i := range inv.Images {
			out[r+" "+id] = fmt.Sprintf("deprecation %q tags %d", aws.ToString(i.DeprecationTime), len(i.Tags))
		}
		for id, s := range inv.Snapshots {
			out[r+" "+id] = fmt.Sprintf("tags %d", len(s.Tags))
		}
	}
	return out
}

// bystander makes an image in region that retention must not touch: of
// another family, or without the family tag at all.
func bystander(t *testing.T, rig *awstest.Rig, region, name string, tags map[string]string) string {
	t.Helper()
	out, err := ec2.NewFromConfig(rig.Config(region)).CopyImage(t.Context(), &ec2.CopyImageInput{
		SourceImageId: aws.String(awstest.SourceAMIID), SourceRegion: aws.String(region), Name: aws.String(name),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: ec2Tags(tags)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ImageId)
}

// TestRetentionPipeline: four builds make a family of sealed images in three
// regions; some are in use (an instance, a launch template's default version,
// another's latest). A dry run seals a fifth image and changes nothing else
// (the proxy log shows no call that changes an existing image or snapshot);
// the sixth build keeps the two newest images of the family in each region,
// deprecates the older of them, keeps every image in use untouched, and
// removes the others with their snapshots; images of other families and
// untagged ones stay.
func TestRetentionPipeline(t *testing.T) {
	lifecycleNeedsRig(t)
	p := newPipeline(t, "testdata/retention.pkr.hcl")
	keys, _ := sealKeys(t, p.AWS)
	var gens []map[string]string
	start := time.Now()
	for range 4 {
		gens = append(gens, sealedAMIs(t, p.build(t, retentionVars(keys)...).Output))
	}
	t.Logf("4 builds of the family (amazon-ebs + golden-seal over 3 regions): %v", time.Since(start).Round(100*time.Millisecond))

	// What uses them.
	ctx := t.Context()
	euEC2 := ec2.NewFromConfig(p.AWS.Config("eu-west-1"))
	run, err := euEC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(gens[1]["eu-west-1"]), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := euEC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{aws.ToString(run.Instances[0].InstanceId)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2.NewFromConfig(p.AWS.Config(buildRegion)).CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(gens[0][buildRegion])}}); err != nil {
		t.Fatal(err)
	}
	apEC2 := ec2.NewFromConfig(p.AWS.Config("ap-south-1"))
	lt, err := apEC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("api"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(awstest.SourceAMIID)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apEC2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId,
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(gens[2]["ap-south-1"])}}); err != nil {
		t.Fatal(err)
	}
	inUse := map[string]string{"eu-west-1": gens[1]["eu-west-1"], buildRegion: gens[0][buildRegion], "ap-south-1": gens[2]["ap-south-1"]}
	bystanders := map[string][]string{}
	for _, r := range sealRegions {
		bystanders[r] = []string{
			bystander(t, p.AWS, r, "ubuntu-golden", map[string]string{family.Tag: "ubuntu-24-golden", imagecopy.TagStatus: imagecopy.StatusSealed}),
			bystander(t, p.AWS, r, "hand-made", map[string]string{imagecopy.TagStatus: imagecopy.StatusSealed, "Team": "platform"}),
		}
	}

	// The dry run: a fifth image, and nothing else changes.
	before := retentionState(t, p.AWS)
	p.AWS.Proxy().ClearCalls()
	res := p.build(t, retentionVars(keys, "PKR_VAR_keep_latest=2", "PKR_VAR_dry_run=true", "PKR_VAR_keep_source_image=true")...)
	gens = append(gens, sealedAMIs(t, res.Output))
	for _, c := range p.AWS.Proxy().Calls() {
		switch c.Action {
		case "DeregisterImage", "DeleteSnapshot", "EnableImageDeprecation", "DisableImageDeprecation", "ModifyImageAttribute", "DeleteTags":
			t.Errorf("dry run: %s %v in %s", c.Action, c.Params, c.Region)
		case "CreateTags":
			for k, v := range c.Params {
				if strings.HasPrefix(k, "ResourceId.") {
					if _, existed := before[c.Region+" "+v]; existed {
						t.Errorf("dry run: CreateTags on %s in %s, which existed before", v, c.Region)
					}
				}
			}
		}
	}
	after := retentionState(t, p.AWS)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("dry run: %s was %s, is %q", k, v, after[k])
		}
	}
	out := strings.Join(strings.Fields(res.Output), " ")
	for _, want := range []string{"dry_run: nothing is changed", "would deprecate " + gens[3]["eu-west-1"], "would remove " + gens[2]["eu-west-1"],
		"keep " + gens[1]["eu-west-1"], "in use by instance"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run's plan does not say %q", want)
		}
	}

	// The real run: keep the two newest, and what is in use.
	res = p.build(t, retentionVars(keys, "PKR_VAR_keep_latest=2")...)
	gens = append(gens, sealedAMIs(t, res.Output))
	for _, r := range sealRegions {
		inv := take(t, p.AWS, r)
		var got []string
		for id, img := range inv.Images {
			if v, _ := tag(img.Tags, family.Tag); v == retentionFamily {
				got = append(got, id)
			}
		}
		slices.Sort(got)
		want := []string{gens[5][r], gens[4][r], inUse[r]}
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: the family's images (-want +got):\n%s", r, diff)
		}
		for i, g := range gens[:4] {
			if g[r] == inUse[r] {
				continue
			}
			removed := before[r+" "+g[r]] != "" && inv.Images[g[r]].ImageId == nil
			if !removed {
				t.Errorf("%s: generation %d's %s is still there", r, i+1, g[r])
			}
		}
		newest := inv.Images[gens[5][r]]
		src, _ := tag(newest.Tags, family.TagSourceAMI)
		owner, _ := tag(newest.Tags, family.TagSourceOwner)
		if src != awstest.SourceAMIID || owner != awstest.SourceAMIOwner {
			t.Errorf("%s: the new image records source %q owned by %q, want %s owned by %s", r, src, owner, awstest.SourceAMIID, awstest.SourceAMIOwner)
		}
		for _, id := range append(bystanders[r], gens[4][r], inUse[r]) {
			if _, ok := inv.Images[id]; !ok {
				t.Errorf("%s: %s was removed", r, id)
			}
		}
		if aws.ToString(inv.Images[gens[4][r]].DeprecationTime) == "" || aws.ToString(inv.Images[gens[5][r]].DeprecationTime) != "" ||
			aws.ToString(inv.Images[inUse[r]].DeprecationTime) != "" {
			t.Errorf("%s: deprecation times: superseded %q, new %q, in use %q; want only the superseded one deprecated", r,
				aws.ToString(inv.Images[gens[4][r]].DeprecationTime), aws.ToString(inv.Images[gens[5][r]].DeprecationTime), aws.ToString(inv.Images[inUse[r]].DeprecationTime))
		}
		// Every snapshot left belongs to an image left (or to the seeded AMI, which moto keeps in the account).
		seed, err := ec2.NewFromConfig(p.AWS.Config(r)).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{awstest.SourceAMIID}})
		if err != nil {
			t.Fatal(err)
		}
		owned := map[string]bool{}
		for _, img := range append(seed.Images, slices.Collect(maps.Values(inv.Images))...) {
			for _, m := range img.BlockDeviceMappings {
				if m.Ebs != nil {
					owned[aws.ToString(m.Ebs.SnapshotId)] = true
				}
			}
		}
		var orphans []string
		for id := range inv.Snapshots {
			if !owned[id] {
				orphans = append(orphans, id)
			}
		}
		if len(orphans) > 0 {
			t.Errorf("%s: snapshots of removed images are left: %v", r, orphans)
		}
	}
	if n := len(p.AWS.Proxy().CallsTo("ec2", "DeregisterImage")); n != 3*3+1 {
		t.Errorf("%d DeregisterImage calls, want 3 per region and the build's source", n)
	}
	t.Logf("the retention run's report:\n%s", reportOf(res.Output))
}

// reportOf is golden-seal's retention report in packer's output.
func reportOf(output string) string {
	_, rest, _ := strings.Cut(output, "Retention of family")
	var lines []string
	for _, l := range strings.Split(rest, "\n") {
		if strings.Contains(l, "Build 'amazon-ebs") {
			break
		}
		lines = append(lines, l)
	}
	return "Retention of family" + strings.Join(lines, "\n")
}
