package e2e

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// acctItem is one thing in the account, as the leftovers counter sees it.
type acctItem struct {
	Kind   string // image, snapshot, instance, volume, security-group, key-pair, s3-object, ssm-parameter, file
	Region string
	ID     string
	Tags   map[string]string
	Detail string // what must not change for a resource nobody should touch
}

func (r acctItem) key() string { return r.Kind + " " + r.Region + " " + r.ID }

func (r acctItem) String() string {
	s := r.key()
	if st := r.Tags[imagecopy.TagStatus]; st != "" {
		s += " (" + imagecopy.TagStatus + "=" + st + ")"
	}
	return s
}

// accountState is everything in the account in the regions a scenario touches, by key.
type accountState map[string]acctItem

// surveyAccount lists the account's images, snapshots, live instances, volumes,
// non-default security groups and key pairs in every region, S3 objects,
// SSM parameters, and the files under dirs. Make no fault rule active
// while it runs: its calls go through the proxy.
func surveyAccount(t *testing.T, rig *awstest.Rig, regions []string, dirs ...string) accountState {
	t.Helper()
	w := accountState{}
	add := func(r acctItem) { w[r.key()] = r }
	for _, region := range regions {
		c := ec2.NewFromConfig(rig.Config(region))
		imgs, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range imgs.Images {
			perms, err := c.DescribeImageAttribute(t.Context(), &ec2.DescribeImageAttributeInput{ImageId: i.ImageId, Attribute: ec2types.ImageAttributeNameLaunchPermission})
			if err != nil {
				t.Fatal(err)
			}
			var users []string
			for _, p := range perms.LaunchPermissions {
				users = append(users, aws.ToString(p.UserId)+aws.ToString(p.OrganizationArn)+aws.ToString(p.OrganizationalUnitArn))
			}
			slices.Sort(users)
			add(acctItem{"image", region, aws.ToString(i.ImageId), accountTags(i.Tags),
				fmt.Sprintf("%s %s deprecate=%s shared=%v", aws.ToString(i.Name), i.State, aws.ToString(i.DeprecationTime), users)})
		}
		snaps, err := c.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snaps.Snapshots {
			add(acctItem{"snapshot", region, aws.ToString(s.SnapshotId), accountTags(s.Tags),
				fmt.Sprintf("encrypted=%v key=%s", aws.ToBool(s.Encrypted), aws.ToString(s.KmsKeyId))})
		}
		inst, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range inst.Reservations {
			for _, i := range res.Instances {
				if i.State != nil && i.State.Name != ec2types.InstanceStateNameTerminated {
					add(acctItem{"instance", region, aws.ToString(i.InstanceId), accountTags(i.Tags), string(i.State.Name)})
				}
			}
		}
		vols, err := c.DescribeVolumes(t.Context(), &ec2.DescribeVolumesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vols.Volumes {
			add(acctItem{"volume", region, aws.ToString(v.VolumeId), accountTags(v.Tags), string(v.State)})
		}
		sgs, err := c.DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range sgs.SecurityGroups {
			if aws.ToString(g.GroupName) != "default" {
				add(acctItem{"security-group", region, aws.ToString(g.GroupId), accountTags(g.Tags), aws.ToString(g.GroupName)})
			}
		}
		kps, err := c.DescribeKeyPairs(t.Context(), &ec2.DescribeKeyPairsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kps.KeyPairs {
			add(acctItem{"key-pair", region, aws.ToString(k.KeyName), accountTags(k.Tags), ""})
		}
		params, err := ssm.NewFromConfig(rig.Config(region)).DescribeParameters(t.Context(), &ssm.DescribeParametersInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range params.Parameters {
			add(acctItem{"ssm-parameter", region, aws.ToString(p.Name), nil, fmt.Sprint(p.Version)})
		}
	}
	s3c := s3.NewFromConfig(rig.Config(buildRegion), awstest.S3PathStyle)
	buckets, err := s3c.ListBuckets(t.Context(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range buckets.Buckets {
		objs, err := s3c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: b.Name})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs.Contents {
			add(acctItem{"s3-object", "", aws.ToString(b.Name) + "/" + aws.ToString(o.Key), nil, aws.ToString(o.ETag)})
		}
	}
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				add(acctItem{"file", "", path, nil, ""})
			}
			return nil
		})
	}
	return w
}

func accountTags(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// newResources lists what after has and before had not, in key order.
func newResources(before, after accountState) []acctItem {
	var out []acctItem
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[k]; !ok {
			out = append(out, after[k])
		}
	}
	return out
}

// mutatingActions are the calls that change what they name; a resource nobody
// should touch must appear in none of them.
var mutatingActions = []string{"CopyImage", "CreateTags", "DeleteTags", "DeregisterImage", "DeleteSnapshot", "ModifyImageAttribute",
	"ModifySnapshotAttribute", "EnableImageDeprecation", "DisableImageDeprecation", "ResetImageAttribute", "PutParameter",
	"DeleteParameter", "PutObject", "DeleteObject", "DeleteObjects"}

// checkUntouched fails t for every resource of keep that is gone, changed,
// or named by a mutating call.
func checkUntouched(t *testing.T, keep []acctItem, after accountState, calls []awstest.Call) {
	t.Helper()
	for _, r := range keep {
		now, ok := after[r.key()]
		switch {
		case !ok:
			t.Errorf("%s existed before the run and is gone", r)
		case now.Detail != r.Detail || !maps.Equal(now.Tags, r.Tags):
			t.Errorf("%s changed: %s %v, was %s %v", r, now.Detail, now.Tags, r.Detail, r.Tags)
		}
		for _, c := range calls {
			if !slices.Contains(mutatingActions, c.Action) || c.Region != r.Region {
				continue
			}
			for k, v := range c.Params {
				if v == r.ID {
					t.Errorf("%s was named by %s (%s) at %s", r, c.Action, k, c.Time.Format(time.TimeOnly))
				}
			}
		}
	}
}

// sealedResource says whether golden-seal made and marked the resource.
func sealedResource(r acctItem) bool {
	return r.Tags[imagecopy.TagRun] != "" && r.Tags[imagecopy.TagStatus] == imagecopy.StatusSealed
}

func listResources(rs []acctItem) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.String())
	}
	return strings.Join(s, ", ")
}
