package imagecopy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func key(region string) string { return "arn:aws:kms:" + region + ":123456789012:key/k-" + region }

func jobs(src Image, regions ...string) []Job {
	var out []Job
	for _, r := range regions {
		out = append(out, Job{Region: r, Source: src, Name: "golden-1", KMSKeyARN: key(r),
			Tags: map[string]string{"Team": "platform", "Name": "golden"}, SnapshotTags: map[string]string{"Team": "platform"}})
	}
	return out
}

func TestRunSealsEveryRegion(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	c := w.copier(Options{})
	copies, err := c.Run(t.Context(), jobs(src, "us-east-1", "eu-west-1", "ap-south-1"))
	if err != nil {
		t.Fatal(err)
	}
	var regions []string
	for _, cp := range copies {
		regions = append(regions, cp.Region)
		if !cp.Verified || cp.Reused || cp.Image.ID == "" || !cp.Image.EncryptedWith(key(cp.Region)) {
			t.Errorf("%s: %+v, want a verified copy encrypted with %s", cp.Region, cp, key(cp.Region))
		}
	}
	if diff := cmp.Diff([]string{"ap-south-1", "eu-west-1", "us-east-1"}, regions); diff != "" {
		t.Errorf("copies are not in region order (-want +got):\n%s", diff)
	}
	in := w.inputs("us-east-1", "CopyImage")[0].(*ec2.CopyImageInput)
	want := &ec2.CopyImageInput{
		Name: aws.String("golden-1"), SourceImageId: aws.String(src.ID), SourceRegion: aws.String("eu-west-1"),
		ClientToken: aws.String(copies[2].token), Encrypted: aws.Bool(true), KmsKeyId: aws.String(key("us-east-1")), CopyImageTags: aws.Bool(false),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeImage, Tags: ec2Tags(map[string]string{"Name": "golden", "Team": "platform",
				TagPipeline: "amazon-ebs.web/golden-{{timestamp}}", TagRun: "run-1", TagStatus: StatusCopying, TagDeadline: "2026-01-01T02:00:00Z"})},
			{ResourceType: types.ResourceTypeSnapshot, Tags: ec2Tags(map[string]string{"Team": "platform",
				TagPipeline: "amazon-ebs.web/golden-{{timestamp}}", TagRun: "run-1", TagStatus: StatusCopying, TagDeadline: "2026-01-01T02:00:00Z"})},
		},
	}
	if diff := cmp.Diff(want, in, cmpopts.IgnoreUnexported(ec2.CopyImageInput{}, types.TagSpecification{}, types.Tag{})); diff != "" {
		t.Errorf("CopyImage input (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(copies[2].token, "golden-") || len(copies[2].token) > 64 {
		t.Errorf("ClientToken %q: want golden-… of at most 64 characters", copies[2].token)
	}
	if err := c.MarkSealed(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	for _, cp := range copies {
		img, err := c.Describe(t.Context(), cp.Region, cp.Image.ID)
		if err != nil {
			t.Fatal(err)
		}
		if img.Tags[TagStatus] != StatusSealed || img.Snapshots[0].Tags[TagStatus] != StatusSealed {
			t.Errorf("%s: after MarkSealed, tags %v and %v", cp.Region, img.Tags, img.Snapshots[0].Tags)
		}
	}
}

func TestSameRunSameClientToken(t *testing.T) {
	src := Image{Region: "eu-west-1", ID: "ami-1"}
	j := jobs(src, "us-east-1")[0]
	if first, again := clientToken("run-1", j), clientToken("run-1", j); first != again {
		t.Error("ClientToken differs for the same job and run")
	}
	other := j
	other.KMSKeyARN = key("eu-west-1")
	for name, tok := range map[string]string{"another run": clientToken("run-2", j), "another key": clientToken("run-1", other)} {
		if tok == clientToken("run-1", j) {
			t.Errorf("%s: same ClientToken", name)
		}
	}
}

func TestRunReusesASourceEncryptedWithTheKey(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", key("eu-west-1"))
	c := w.copier(Options{})
	copies, err := c.Run(t.Context(), jobs(src, "eu-west-1", "us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !copies[0].Reused || copies[0].Image.ID != src.ID || copies[1].Reused {
		t.Errorf("reused: %v %v, want the eu-west-1 source reused and us-east-1 copied", copies[0].Reused, copies[1].Reused)
	}
	if n := w.count("eu-west-1", "CopyImage"); n != 0 {
		t.Errorf("%d CopyImage into eu-west-1, want 0", n)
	}
	if err := c.MarkSealed(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	img, _ := c.Describe(t.Context(), "eu-west-1", src.ID)
	if img.Tags["Name"] != "golden" || img.Tags[TagStatus] != StatusSealed || img.Snapshots[0].Tags["Team"] != "platform" {
		t.Errorf("reused source not tagged: %v, %v", img.Tags, img.Snapshots[0].Tags)
	}
	report, err := c.Rollback(t.Context(), copies[:1])
	if err != nil || len(report[0].Removed) != 0 {
		t.Errorf("Rollback of a reused source removed %v (%v): it must never touch it", report[0].Removed, err)
	}
}

func TestAFailedRegionRollsBackEveryRegion(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	before := w.remaining()
	w.fail["us-east-1"] = true
	w.copyTime["ap-south-1"] = time.Hour // still copying when us-east-1 fails
	c := w.copier(Options{})
	copies, err := c.Run(t.Context(), jobs(src, "us-east-1", "eu-west-1", "ap-south-1"))
	if !errors.Is(err, errCopyFailed) || !strings.Contains(err.Error(), "us-east-1: copy ami-") {
		t.Fatalf("Run() = %v, want the failed copy in us-east-1", err)
	}
	if strings.Contains(err.Error(), "ap-south-1") {
		t.Errorf("Run() = %v: the regions it stopped are not failures", err)
	}
	report, err := c.Rollback(t.Context(), copies)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + report.String())
	if diff := cmp.Diff(before, w.remaining()); diff != "" {
		t.Errorf("left after rollback (-want +got):\n%s", diff)
	}
	for _, rr := range report {
		if len(rr.Removed) != 2 {
			t.Errorf("%s: removed %v, want the copy and its snapshot", rr.Region, rr.Removed)
		}
	}
	if !strings.HasPrefix(report[0].Result, "stopped: ") || !strings.HasPrefix(report[2].Result, "failed: ") {
		t.Errorf("results %q, %q: want ap-south-1 stopped and us-east-1 failed", report[0].Result, report[2].Result)
	}
}

func TestCancelStopsTheWait(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	w.copyTime["us-east-1"] = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	c := w.copier(Options{Progress: func(p Progress) {
		if p.Polls >= 3 {
			cancel()
		}
	}})
	copies, err := c.Run(ctx, jobs(src, "us-east-1"))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still pending at") {
		t.Fatalf("Run() = %v, want it cancelled while pending", err)
	}
	if _, err := c.Rollback(context.WithoutCancel(ctx), copies); err != nil {
		t.Fatal(err)
	}
	if got := w.remaining(); len(got) != 2 {
		t.Errorf("left %v, want the source and its snapshot only", got)
	}
}

func TestRollbackFindsACopyWhoseAnswerWasLost(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	w.lostReply["us-east-1"] = true
	c := w.copier(Options{})
	copies, err := c.Run(t.Context(), jobs(src, "us-east-1"))
	if err == nil || copies[0].Image.ID != "" {
		t.Fatalf("Run() = %v, %q: want CopyImage's error and no id", err, copies[0].Image.ID)
	}
	if _, err := c.Rollback(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	if got := w.remaining(); len(got) != 2 {
		t.Errorf("left %v, want the source and its snapshot only", got)
	}
	if n := w.count("us-east-1", "CopyImage"); n != 2 {
		t.Errorf("%d CopyImage calls, want the first and the one with the same ClientToken", n)
	}
}

// A CopyImage that failed with server errors may have made a copy: the
// rollback asks again with the same ClientToken through an outage, and
// removes the copy it names.
func TestRollbackAsksThroughAnOutage(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	outage := apiErr("InternalError", smithy.FaultServer)
	w.faults["CopyImage"] = []error{outage, outage, outage, outage, outage}
	c := w.copier(Options{})
	copies, err := c.Run(t.Context(), jobs(src, "us-east-1"))
	if err == nil {
		t.Fatal("Run() succeeded despite CopyImage's error")
	}
	if _, err := c.Rollback(t.Context(), copies); err != nil {
		t.Fatalf("Rollback: %v, want the outage waited out", err)
	}
	if got := w.remaining(); len(got) != 2 {
		t.Errorf("left %v, want the source and its snapshot only", got)
	}
	if n := w.count("us-east-1", "CopyImage"); n != 6 {
		t.Errorf("%d CopyImage calls, want Run's, four failing and the one that names the copy", n)
	}
}

func TestRollbackSkipsWhatCopyImageRefused(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	w.faults["CopyImage"] = []error{apiErr("InvalidParameterValue", smithy.FaultClient)}
	c := w.copier(Options{})
	copies, err := c.Run(t.Context(), jobs(src, "us-east-1"))
	if err == nil {
		t.Fatal("Run() succeeded despite CopyImage's error")
	}
	if _, err := c.Rollback(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	if n := w.count("us-east-1", "CopyImage"); n != 1 {
		t.Errorf("%d CopyImage calls, want 1: a refused CopyImage made nothing", n)
	}
}

func TestVerifyRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ec2.CopyImageInput)
		want   string
	}{
		{"another key", func(in *ec2.CopyImageInput) { in.KmsKeyId = aws.String(key("other")) }, "encrypted with arn:aws:kms:other"},
		{"not encrypted", func(in *ec2.CopyImageInput) { in.Encrypted = aws.Bool(false) }, "it is not encrypted"},
		{"tags ignored", func(in *ec2.CopyImageInput) { in.TagSpecifications = nil }, `tags ["Team" "golden:seal-deadline" "golden:seal-pipeline" "golden:seal-run" "golden:seal-status"] sent with CopyImage are missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			src := w.source("eu-west-1", "")
			c := w.copier(Options{})
			c.ec2 = func(region string) ec2API { return &alteringEC2{regionEC2{w, region}, tt.change} }
			_, err := c.Run(t.Context(), jobs(src, "us-east-1"))
			if !errors.Is(err, errNotSealed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run() = %v, want %q", err, tt.want)
			}
		})
	}
}

// alteringEC2 is an EC2 that does not do what CopyImage asks.
type alteringEC2 struct {
	regionEC2
	change func(*ec2.CopyImageInput)
}

func (a *alteringEC2) CopyImage(ctx context.Context, in *ec2.CopyImageInput, o ...func(*ec2.Options)) (*ec2.CopyImageOutput, error) {
	changed := *in
	a.change(&changed)
	return a.regionEC2.CopyImage(ctx, &changed, o...)
}

func TestWaitNoticesCompletionWithFewPolls(t *testing.T) {
	for _, T := range []time.Duration{0, 10 * time.Second, time.Minute, 10 * time.Minute, 2 * time.Hour} {
		t.Run(T.String(), func(t *testing.T) {
			w := newWorld()
			src := w.source("eu-west-1", "")
			w.copyTime["us-east-1"] = T
			var lines int
			c := w.copier(Options{Progress: func(Progress) { lines++ }})
			copies, err := c.Run(t.Context(), jobs(src, "us-east-1"))
			if err != nil {
				t.Fatal(err)
			}
			delay := copies[0].Waited - T
			describes := w.count("us-east-1", "DescribeImages", "DescribeSnapshots")
			t.Logf("T=%v: noticed %v late, %d polls, %d describes, %d progress lines", T, delay, copies[0].Polls, describes, lines)
			if limit := max(T/10, time.Second); delay > limit {
				t.Errorf("noticed %v late, want at most %v", delay, limit)
			}
			if limit := 12 + int(T/maxGap); describes > limit {
				t.Errorf("%d DescribeImages/DescribeSnapshots calls, want at most %d", describes, limit)
			}
		})
	}
}

func TestWaitWithFixedPolling(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	w.copyTime["us-east-1"] = 100 * time.Second
	c := w.copier(Options{FixedDelay: 15 * time.Second, MaxAttempts: 3})
	_, err := c.Run(t.Context(), jobs(src, "us-east-1"))
	if err == nil || !strings.Contains(err.Error(), "still pending after 3 polls (aws_polling.max_attempts)") {
		t.Fatalf("Run() = %v, want it to give up after 3 polls", err)
	}
	c = w.copier(Options{RunID: "run-2", FixedDelay: 15 * time.Second})
	copies, err := c.Run(t.Context(), jobs(src, "us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if copies[0].Polls != 7 {
		t.Errorf("%d polls every 15s for a 100s copy, want 7", copies[0].Polls)
	}
}

func TestWaitRidesOutFailingPolls(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	throttled := apiErr("RequestLimitExceeded", smithy.FaultClient)
	w.faults["DescribeImages"] = []error{apiErr("InvalidAMIID.NotFound", smithy.FaultClient), throttled, throttled, throttled, throttled, throttled, throttled, throttled}
	c := w.copier(Options{})
	if _, err := c.Run(t.Context(), jobs(src, "us-east-1")); err != nil {
		t.Fatalf("Run() = %v, want it to ride out a minute of failed polls", err)
	}
	w.faults["DescribeImages"] = slices.Repeat([]error{throttled}, 100)
	if _, err := c.Run(t.Context(), jobs(src, "ap-south-1")); err == nil || !strings.Contains(err.Error(), "RequestLimitExceeded") {
		t.Errorf("Run() = %v, want it to give up after polls failed for %v", err, failingFor)
	}
	if n := w.count("ap-south-1", "DescribeImages"); n > 15 {
		t.Errorf("%d DescribeImages while they fail, want them spaced out", n)
	}
}

func TestTimeout(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	w.stuck["us-east-1"] = true
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := w.copier(Options{}).Run(ctx, jobs(src, "us-east-1"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "raise timeout") {
		t.Errorf("Run() = %v, want the deadline and how to fix it", err)
	}
}

func TestCleanLeftovers(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	w.copyTime["us-east-1"] = time.Hour
	crashed := w.copier(Options{RunID: "run-crashed"})
	ctx, cancel := context.WithCancel(t.Context())
	crashed.opts.Progress = func(Progress) { cancel() }
	crashed.Run(ctx, jobs(src, "us-east-1")) // and no rollback: the process was killed
	other := w.copier(Options{RunID: "run-other", Pipeline: "another pipeline"})
	ctx, cancel = context.WithCancel(t.Context())
	other.opts.Progress = func(Progress) { cancel() }
	other.Run(ctx, jobs(src, "us-east-1"))
	stale := w.copier(Options{RunID: "run-stale", Pipeline: "a third pipeline", Deadline: w.clock.Now().Add(-time.Second)})
	ctx, cancel = context.WithCancel(t.Context())
	stale.opts.Progress = func(Progress) { cancel() }
	stale.Run(ctx, jobs(src, "ap-south-1"))
	if n := len(w.remaining()); n != 8 {
		t.Fatalf("%d images and snapshots before the cleanup, want 8", n)
	}
	report, err := w.copier(Options{RunID: "run-2"}).CleanLeftovers(t.Context(), []string{"us-east-1", "eu-west-1", "ap-south-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + report.String())
	got := [][]string{report[0].Removed, report[1].Removed, report[2].Removed}
	if len(got[0]) != 2 || len(got[1]) != 0 || len(got[2]) != 2 {
		t.Errorf("removed %v, want the stale run's copy and snapshot in ap-south-1 and the crashed run's in us-east-1", got)
	}
	// the crashed run's source only: the stale run is another pipeline's
	for i, want := range [][]Image{nil, nil, {{Region: "eu-west-1", ID: src.ID}}} {
		if diff := cmp.Diff(want, report[i].Sources, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: the sources of the removed copies (-want +got):\n%s", report[i].Region, diff)
		}
	}
	if !strings.Contains(report[2].Result, "run-other") {
		t.Errorf("us-east-1: %q, want the live run of another pipeline reported", report[2].Result)
	}
	if n := len(w.remaining()); n != 4 {
		t.Errorf("%d images and snapshots after the cleanup, want 4: another pipeline's live copies stay", n)
	}
}

func TestRunRefusesTwoJobsForOneRegion(t *testing.T) {
	w := newWorld()
	src := w.source("eu-west-1", "")
	_, err := w.copier(Options{}).Run(t.Context(), append(jobs(src, "us-east-1"), jobs(src, "us-east-1")...))
	if err == nil || len(w.calls) != 0 {
		t.Errorf("Run() = %v after %d calls, want an error before any call", err, len(w.calls))
	}
}
