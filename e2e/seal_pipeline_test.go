package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// sealRegions are the regions golden-seal seals in: the build region and two more.
var sealRegions = []string{"ap-south-1", "eu-west-1", buildRegion}

// sealKeys creates a symmetric key in each seal region and names it to the
// template three ways: by alias, by ARN and by id. It returns the template
// variable and each region's key ARN.
func sealKeys(t *testing.T, rig *awstest.Rig) (string, map[string]string) {
	t.Helper()
	refs, arns := map[string]string{}, map[string]string{}
	for _, r := range sealRegions {
		c := kms.NewFromConfig(rig.Config(r))
		k, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
		if err != nil {
			t.Fatal(err)
		}
		arns[r] = aws.ToString(k.KeyMetadata.Arn)
		switch r {
		case "ap-south-1":
			refs[r] = arns[r]
		case "eu-west-1":
			refs[r] = aws.ToString(k.KeyMetadata.KeyId)
		default:
			if _, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/golden"), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
				t.Fatal(err)
			}
			refs[r] = "alias/golden"
		}
	}
	b, err := json.Marshal(refs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), arns
}

func sealVars(keys string, extra ...string) []string {
	return append([]string{`PKR_VAR_regions=["eu-west-1","ap-south-1"]`, "PKR_VAR_keys=" + keys}, extra...)
}

// inventory is what the account owns in a region: images with their state and
// tags, and snapshots with their encryption key and tags.
type inventory struct {
	Images    map[string]ec2types.Image
	Snapshots map[string]ec2types.Snapshot
}

func take(t *testing.T, rig *awstest.Rig, region string) inventory {
	t.Helper()
	c := ec2.NewFromConfig(rig.Config(region))
	inv := inventory{Images: map[string]ec2types.Image{}, Snapshots: map[string]ec2types.Snapshot{}}
	imgs, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range imgs.Images {
		inv.Images[aws.ToString(i.ImageId)] = i
	}
	snaps, err := c.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps.Snapshots {
		inv.Snapshots[aws.ToString(s.SnapshotId)] = s
	}
	return inv
}

// sealedBy lists what golden-seal tagged (any run) in the inventory, as id=status.
func (inv inventory) sealedBy() []string {
	var out []string
	for id, i := range inv.Images {
		if v, ok := tag(i.Tags, imagecopy.TagRun); ok && v != "" {
			s, _ := tag(i.Tags, imagecopy.TagStatus)
			out = append(out, id+"="+s)
		}
	}
	for id, s := range inv.Snapshots {
		if v, ok := tag(s.Tags, imagecopy.TagRun); ok && v != "" {
			st, _ := tag(s.Tags, imagecopy.TagStatus)
			out = append(out, id+"="+st)
		}
	}
	slices.Sort(out)
	return out
}

// seedSnapshot is the snapshot moto made, in the account, for the seeded Debian AMI.
func seedSnapshot(t *testing.T, rig *awstest.Rig) string {
	t.Helper()
	out, err := ec2.NewFromConfig(rig.Config(buildRegion)).DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{awstest.SourceAMIID}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("describing the seeded AMI: %v", err)
	}
	return aws.ToString(out.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId)
}

func tag(tags []ec2types.Tag, key string) (string, bool) {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value), true
		}
	}
	return "", false
}

var sourceAMIPattern = regexp.MustCompile(`amazon-ebs.seal: AMI: (ami-[0-9a-f]+)`)

func TestSealPipeline(t *testing.T) {
	p := newPipeline(t, "testdata/seal.pkr.hcl")
	keys, arns := sealKeys(t, p.AWS)
	if err := p.AWS.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := p.build(t, sealVars(keys)...)
	t.Logf("packer build (amazon-ebs + golden-seal over 3 regions, copies pending 5s): %v", time.Since(start).Round(10*time.Millisecond))

	m := sourceAMIPattern.FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatal("no source AMI in packer's output")
	}
	source := m[1]
	sealed := regexp.MustCompile(`(?m)^(?:--> )?[^\n]*?([a-z]+-[a-z]+-\d): (ami-[0-9a-f]+) \(key (arn:[^)]+)\)`).FindAllStringSubmatch(res.Output, -1)
	if len(sealed) != 3 {
		t.Fatalf("the artifact lists %d sealed AMIs, want 3:\n%s", len(sealed), res.Output)
	}

	// The proxy's log: one CopyImage per region, encrypted with its key, tagged on create.
	copies := p.AWS.Proxy().CallsTo("ec2", "CopyImage")
	var copied []string
	for _, c := range copies {
		copied = append(copied, c.Region)
		want := map[string]string{
			"Encrypted": "true", "KmsKeyId": arns[c.Region], "SourceImageId": source, "SourceRegion": buildRegion,
			"TagSpecification.1.ResourceType": "image", "TagSpecification.2.ResourceType": "snapshot",
		}
		for k, v := range want {
			if c.Params[k] != v {
				t.Errorf("CopyImage into %s: %s = %q, want %q", c.Region, k, c.Params[k], v)
			}
		}
		if !strings.HasPrefix(c.Params["ClientToken"], "golden-") {
			t.Errorf("CopyImage into %s: ClientToken %q", c.Region, c.Params["ClientToken"])
		}
	}
	slices.Sort(copied)
	if diff := cmp.Diff(sealRegions, copied); diff != "" {
		t.Errorf("CopyImage calls by region (-want +got):\n%s", diff)
	}

	// The final state in moto.
	for _, s := range sealed {
		region, id, key := s[1], s[2], s[3]
		if key != arns[region] {
			t.Errorf("%s: artifact says key %s, want %s", region, key, arns[region])
		}
		inv := take(t, p.AWS, region)
		img, ok := inv.Images[id]
		if !ok {
			t.Errorf("%s: sealed image %s not in moto", region, id)
			continue
		}
		tags := map[string]string{}
		for _, tg := range img.Tags {
			tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		for k, v := range map[string]string{"Name": "golden-" + region, "Team": "platform", "SourceAMI": source, imagecopy.TagStatus: imagecopy.StatusSealed} {
			if tags[k] != v {
				t.Errorf("%s: image tag %s = %q, want %q", region, k, tags[k], v)
			}
		}
		if tags["SourceName"] != awstest.SourceAMIName {
			t.Errorf("%s: SourceName tag %q, want the builder's source AMI name from build.SourceAMIName", region, tags["SourceName"])
		}
		if aws.ToString(img.Name) != "golden-sealed-"+source || aws.ToString(img.DeprecationTime) == "" {
			t.Errorf("%s: name %q, deprecation %q", region, aws.ToString(img.Name), aws.ToString(img.DeprecationTime))
		}
		snapID := aws.ToString(img.BlockDeviceMappings[0].Ebs.SnapshotId)
		snap := inv.Snapshots[snapID]
		kind, _ := tag(snap.Tags, "Kind")
		team, _ := tag(snap.Tags, "Team")
		if !aws.ToBool(snap.Encrypted) || aws.ToString(snap.KmsKeyId) != arns[region] || kind != "root" || team != "platform" {
			t.Errorf("%s: snapshot %s encrypted %v with %s, tags %v; want encrypted with %s and tagged", region, snapID,
				aws.ToBool(snap.Encrypted), aws.ToString(snap.KmsKeyId), snap.Tags, arns[region])
		}
		if n := len(inv.Images); n != 1 {
			t.Errorf("%s: %d images owned by the account, want the sealed one only", region, n)
		}
		perm, err := ec2.NewFromConfig(p.AWS.Config(region)).DescribeImageAttribute(t.Context(), &ec2.DescribeImageAttributeInput{
			ImageId: aws.String(id), Attribute: ec2types.ImageAttributeNameLaunchPermission})
		if err != nil || len(perm.LaunchPermissions) != 1 || aws.ToString(perm.LaunchPermissions[0].UserId) != "111122223333" {
			t.Errorf("%s: launch permissions %+v, %v; want account 111122223333", region, perm, err)
		}
		// DescribeTags agrees with DescribeImages (tag-on-create, not a later CreateTags of the user's tags)
		dt, err := ec2.NewFromConfig(p.AWS.Config(region)).DescribeTags(t.Context(), &ec2.DescribeTagsInput{
			Filters: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{id, snapID}}}})
		if err != nil || len(dt.Tags) != len(img.Tags)+len(snap.Tags) {
			t.Errorf("%s: DescribeTags found %d tags, want %d: %v", region, len(dt.Tags), len(img.Tags)+len(snap.Tags), err)
		}
	}
	for _, c := range p.AWS.Proxy().CallsTo("ec2", "CreateTags") {
		if c.Params["Tag.1.Key"] != imagecopy.TagStatus || c.Params["Tag.2.Key"] != "" {
			t.Errorf("CreateTags in %s sets %v: only the status tag is set after create", c.Region, c.Params)
		}
	}
	// The unencrypted source and its snapshot are gone.
	if out, err := ec2.NewFromConfig(p.AWS.Config(buildRegion)).DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{source}}); err == nil && len(out.Images) > 0 {
		t.Errorf("the unencrypted source %s still exists", source)
	}
	seed := seedSnapshot(t, p.AWS)
	for id, s := range take(t, p.AWS, buildRegion).Snapshots {
		if !aws.ToBool(s.Encrypted) && id != seed {
			t.Errorf("unencrypted snapshot %s is left", id)
		}
	}
	if !strings.Contains(res.Output, "does not let account 111122223333 use it") {
		t.Errorf("no warning about the key policy, which does not let the account the images are shared with use the key")
	}
}

func TestSealFailureInOneRegionLeavesNothing(t *testing.T) {
	p := newPipeline(t, "testdata/seal.pkr.hcl")
	keys, _ := sealKeys(t, p.AWS)
	if err := p.AWS.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 3 * time.Second, FailRegions: []string{"eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	res := p.Packer.Run(t, t.Context(), p.Dir, append(p.vars(), sealVars(keys)...), "build", "-color=false", ".")
	if res.ExitCode == 0 {
		t.Fatal("packer build succeeded with a failing copy")
	}
	if !strings.Contains(res.Output, "rolled back: nothing this run created is left") {
		t.Errorf("packer's output does not say the run rolled back")
	}
	assertNothingLeft(t, p, res.Output)
}

// assertNothingLeft checks that golden-seal left nothing in any region and
// did not touch the unencrypted source: Packer itself destroys the builder's
// artifact when a post-processor fails, after golden-seal has returned.
func assertNothingLeft(t *testing.T, p *pipeline, output string) {
	t.Helper()
	for _, r := range sealRegions {
		inv := take(t, p.AWS, r)
		if left := inv.sealedBy(); len(left) > 0 {
			t.Errorf("%s: golden-seal left %v", r, left)
		}
		if r != buildRegion && len(inv.Images) != 0 {
			t.Errorf("%s: %d images left", r, len(inv.Images))
		}
	}
	m := sourceAMIPattern.FindStringSubmatch(output)
	if m == nil {
		t.Fatal("no source AMI in packer's output")
	}
	_, report, _ := strings.Cut(output, "Per region:")
	report, _, _ = strings.Cut(report, "Build 'amazon-ebs.seal' errored")
	if strings.Contains(report, m[1]) {
		t.Errorf("golden-seal's rollback touched the source %s:\n%s", m[1], report)
	}
}

// startBuild starts packer build and returns the command and a channel of its output lines.
func startBuild(t *testing.T, p *pipeline, env ...string) (wait func() string, lines <-chan string, pid int) {
	t.Helper()
	cmd := p.Packer.Command(t.Context(), p.Dir, append(p.vars(), env...), "build", "-color=false", ".")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 1000)
	var out strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			t.Log(sc.Text())
			select {
			case ch <- sc.Text():
			default:
			}
		}
	}()
	return func() string {
		cmd.Wait()
		pw.Close()
		<-done
		return out.String()
	}, ch, cmd.Process.Pid
}

// waitFor returns once a line matches, or fails the test after d.
func waitFor(t *testing.T, lines <-chan string, pattern *regexp.Regexp, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("packer ended before %s", pattern)
			}
			if pattern.MatchString(l) {
				return
			}
		case <-timeout:
			t.Fatalf("no line matching %s within %v", pattern, d)
		}
	}
}

var progressLine = regexp.MustCompile(`\(golden-seal\): [a-z0-9-]+: ami-[0-9a-f]+ pending \d+%`)

func TestSealCtrlCMidWaitLeavesNothing(t *testing.T) {
	p := newPipeline(t, "testdata/seal.pkr.hcl")
	keys, _ := sealKeys(t, p.AWS)
	if err := p.AWS.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: time.Minute}); err != nil {
		t.Fatal(err)
	}
	wait, lines, pid := startBuild(t, p, sealVars(keys)...)
	waitFor(t, lines, progressLine, 2*time.Minute)
	start := time.Now()
	if err := syscall.Kill(-pid, syscall.SIGINT); err != nil { // Ctrl-C: the whole process group
		t.Fatal(err)
	}
	out := wait()
	t.Logf("packer ended %v after SIGINT", time.Since(start).Round(10*time.Millisecond))
	if !strings.Contains(out, "Rolling back every region") {
		t.Errorf("packer's output does not show the rollback")
	}
	assertNothingLeft(t, p, out)
}

func TestSealRerunAfterCrashMakesNoDuplicates(t *testing.T) {
	p := newPipeline(t, "testdata/seal.pkr.hcl")
	keys, _ := sealKeys(t, p.AWS)
	if err := p.AWS.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: time.Minute}); err != nil {
		t.Fatal(err)
	}
	wait, lines, pid := startBuild(t, p, sealVars(keys)...)
	waitFor(t, lines, progressLine, 2*time.Minute)
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil { // a crash: nothing runs after it
		t.Fatal(err)
	}
	wait()
	crashed := map[string][]string{}
	for _, r := range sealRegions {
		crashed[r] = take(t, p.AWS, r).sealedBy()
		if len(crashed[r]) != 2 {
			t.Fatalf("%s: the crash left %v, want a copy and its snapshot", r, crashed[r])
		}
	}
	if err := p.AWS.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	res := p.build(t, sealVars(keys)...)
	if !strings.Contains(res.Output, "removed leftovers of earlier runs") {
		t.Errorf("the rerun does not report the crashed run's leftovers")
	}
	for _, r := range sealRegions {
		got := take(t, p.AWS, r).sealedBy()
		if len(got) != 2 || !strings.HasSuffix(got[0], "="+imagecopy.StatusSealed) || !strings.HasSuffix(got[1], "="+imagecopy.StatusSealed) {
			t.Errorf("%s: after the rerun %v, want one sealed image and its snapshot", r, got)
		}
		for _, c := range crashed[r] {
			if slices.Contains(got, c) {
				t.Errorf("%s: the crashed run's %s is still there", r, c)
			}
		}
	}
}

func TestSealValidate(t *testing.T) {
	p := newPipeline(t, "testdata/seal.pkr.hcl")
	vars := append(p.vars(), sealVars(`{"eu-west-1":"alias/golden","ap-south-1":"arn:aws:kms:us-east-1:123456789012:alias/golden"}`)...)
	res := p.Packer.Run(t, t.Context(), p.Dir, vars, "validate", ".")
	out := strings.Join(strings.Fields(res.Output), " ") // packer wraps long lines
	want := `region_kms_key_ids["ap-south-1"]: key arn:aws:kms:us-east-1:123456789012:alias/golden is in us-east-1: ` +
		`EBS encrypts with a key of the copy's region: name a key in ap-south-1`
	if res.ExitCode == 0 || !strings.Contains(out, want) || strings.Count(out, "alias/golden is in us-east-1") != 1 {
		t.Errorf("packer validate exited %d, want one error: %q", res.ExitCode, want)
	}
	if calls := p.AWS.Proxy().Calls(); len(calls) != 0 {
		t.Errorf("packer validate made %d AWS calls, want none", len(calls))
	}
}
