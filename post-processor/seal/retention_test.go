package seal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// familyAWS is a family's images in every region, what uses them, and the
// changes retention makes.
type familyAWS struct {
	mu         sync.Mutex
	images     map[string][]ec2types.Image // by region
	uses       map[string][]string         // by image id
	usesErr    map[string]error            // by region
	usesCalls  int
	deprecated []string // region id
}

// familyEC2 answers DescribeImages with the family and records deprecations;
// other calls go to the fakes of seal_test.go.
type familyEC2 struct {
	fakeEC2
	f *familyAWS
}

func (e familyEC2) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	filters := map[string]string{}
	for _, f := range in.Filters {
		filters[aws.ToString(f.Name)] = f.Values[0]
	}
	if _, ok := filters["tag:"+family.Tag]; !ok {
		return e.fakeEC2.DescribeImages(ctx, in, opts...)
	}
	if filters["tag:"+family.Tag] != "debian" || filters["tag:"+imagecopy.TagStatus] != imagecopy.StatusSealed ||
		!slices.Equal(in.Owners, []string{"self"}) || !aws.ToBool(in.IncludeDeprecated) {
		return nil, fmt.Errorf("unexpected DescribeImages %+v", in)
	}
	return &ec2.DescribeImagesOutput{Images: e.f.images[e.region]}, nil
}

func (e familyEC2) EnableImageDeprecation(_ context.Context, in *ec2.EnableImageDeprecationInput, _ ...func(*ec2.Options)) (*ec2.EnableImageDeprecationOutput, error) {
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	e.f.deprecated = append(e.f.deprecated, e.region+" "+aws.ToString(in.ImageId))
	return &ec2.EnableImageDeprecationOutput{}, nil
}

func (f *familyAWS) find(_ context.Context, region string, ids []string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.usesCalls++
	if err := f.usesErr[region]; err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, id := range ids {
		if u := f.uses[id]; len(u) > 0 {
			out[id] = u
		}
	}
	return out, nil
}

func familyImage(region, id string, daysAgo int, edit ...func(*ec2types.Image)) ec2types.Image {
	i := ec2types.Image{
		ImageId: aws.String(id), Name: aws.String("debian-" + id), OwnerId: aws.String(account), State: ec2types.ImageStateAvailable,
		CreationDate: aws.String(time.Now().Add(-time.Duration(daysAgo) * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")),
		Tags:         []ec2types.Tag{{Key: aws.String(family.Tag), Value: aws.String("debian")}, {Key: aws.String(imagecopy.TagStatus), Value: aws.String(imagecopy.StatusSealed)}},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String("snap-" + id), Encrypted: aws.Bool(true)}}},
	}
	for _, e := range edit {
		e(&i)
	}
	return i
}

// newRetentionRun is a seal over fakes with a family of images in both
// regions: the image being sealed, two that retention keeps, one in use and
// two it removes.
func newRetentionRun(t *testing.T, retention map[string]interface{}) (*run, *fakeCopier, *familyAWS, fmt.Stringer) {
	t.Helper()
	r, fc, fa, out := newTestRun(t, map[string]interface{}{"family": "debian", "retention": retention})
	f := &familyAWS{images: map[string][]ec2types.Image{}, uses: map[string][]string{}, usesErr: map[string]error{}}
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		p := region[:2] + "-"
		f.images[region] = []ec2types.Image{
			familyImage(region, sealedID(region), 0),
			familyImage(region, p+"a", 10),
			familyImage(region, p+"b", 20, func(i *ec2types.Image) { i.DeprecationTime = aws.String("2020-01-01T00:00:00.000Z") }),
			familyImage(region, p+"c", 30),
			familyImage(region, p+"d", 40),
			familyImage(region, p+"e", 50),
		}
		f.uses[p+"c"] = []string{"instance i-" + p + "1 (stopped)"}
	}
	r.aws.ec2 = func(region string) ec2API { return familyEC2{fakeEC2{fa, region}, f} }
	r.aws.uses = f.find
	return r, fc, f, out
}

func TestRetention(t *testing.T) {
	r, fc, f, out := newRetentionRun(t, map[string]interface{}{"keep_latest": 3, "deprecate_superseded": true})
	if _, err := r.seal(t.Context()); err != nil {
		t.Fatal(err)
	}
	var removed []string
	for _, c := range fc.calls {
		if strings.HasPrefix(c, "Remove ") {
			removed = append(removed, strings.TrimPrefix(c, "Remove "))
		}
	}
	slices.Sort(removed)
	if diff := cmp.Diff([]string{"ami-source", "eu-d", "eu-e", "us-d", "us-e"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	slices.Sort(f.deprecated)
	if diff := cmp.Diff([]string{"eu-west-1 eu-a", "us-east-1 us-a"}, f.deprecated); diff != "" {
		t.Errorf("deprecated (-want +got):\n%s", diff)
	}
	report := out.String()
	for _, want := range []string{
		`Retention of family "debian" (keep_latest = 3, deprecate_superseded):`,
		"keep             " + sealedID("eu-west-1") + " (debian-" + sealedID("eu-west-1"),
		"sealed by this run",
		"deprecate        eu-a (debian-eu-a",
		"superseded by " + sealedID("eu-west-1"),
		"keep             eu-b", "superseded, deprecated since 2020-01-01T00:00:00Z",
		"keep             eu-c", "in use by instance i-eu-1 (stopped): never touched (it would be removed: beyond retention: the 4th newest, keep_latest = 3)",
		"remove           eu-d", "=> removed eu-d",
		"=> deprecated eu-a from ",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
	if f.usesCalls != 4 {
		t.Errorf("%d lookups of what uses the images, want 2 per region: for the plan, and again before removing", f.usesCalls)
	}
}

func TestRetentionDryRunChangesNothing(t *testing.T) {
	r, fc, f, out := newRetentionRun(t, map[string]interface{}{"keep_latest": 2, "max_age": "15d", "deprecate_superseded": true, "dry_run": true})
	if _, err := r.seal(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range fc.calls {
		if strings.HasPrefix(c, "Remove ") && c != "Remove ami-source" {
			t.Errorf("dry_run, yet %s", c)
		}
	}
	if len(f.deprecated) > 0 {
		t.Errorf("dry_run, yet deprecated %v", f.deprecated)
	}
	for _, want := range []string{", dry_run: nothing is changed:", "would deprecate  eu-a", "would remove     eu-d", "would remove     us-e"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "=> ") {
		t.Errorf("dry_run reports changes:\n%s", out)
	}
}

func TestRetentionLeavesARegionAloneWhenUseIsUnknown(t *testing.T) {
	r, fc, f, out := newRetentionRun(t, map[string]interface{}{"keep_latest": 1})
	f.usesErr["eu-west-1"] = errors.New("UnauthorizedOperation: ec2:DescribeLaunchTemplateVersions")
	if _, err := r.seal(t.Context()); err != nil {
		t.Fatalf("seal() = %v: retention failing is a warning", err)
	}
	var removed []string
	for _, c := range fc.calls {
		if strings.HasPrefix(c, "Remove ") && c != "Remove ami-source" {
			removed = append(removed, strings.TrimPrefix(c, "Remove "))
		}
	}
	slices.Sort(removed)
	if diff := cmp.Diff([]string{"us-a", "us-b", "us-d", "us-e"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "Warning: retention in eu-west-1: could not tell which images of the family are in use: UnauthorizedOperation") {
		t.Errorf("no warning for eu-west-1:\n%s", out)
	}
}

func TestRetentionRechecksUseBeforeRemoving(t *testing.T) {
	r, fc, f, out := newRetentionRun(t, map[string]interface{}{"keep_latest": 5})
	var once sync.Once
	plan := f.find
	r.aws.uses = func(ctx context.Context, region string, ids []string) (map[string][]string, error) {
		u, err := plan(ctx, region, ids)
		if region == "us-east-1" && slices.Equal(ids, []string{"us-e"}) {
			once.Do(func() { u = map[string][]string{"us-e": {"instance i-new (pending)"}} }) // launched meanwhile
		}
		return u, err
	}
	if _, err := r.seal(t.Context()); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(fc.calls, "Remove us-e") || !slices.Contains(fc.calls, "Remove eu-e") {
		t.Errorf("calls %v: want eu-e removed and us-e, in use since the plan, kept", fc.calls)
	}
	if !strings.Contains(out.String(), "=> kept us-e: in use since the plan was made, by instance i-new (pending)") {
		t.Errorf("the report does not say us-e was kept:\n%s", out)
	}
}
