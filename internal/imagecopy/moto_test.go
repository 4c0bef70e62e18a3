package imagecopy_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// These tests run imagecopy against moto with the rig's fidelity patches:
// CopyImage honours Encrypted, KmsKeyId, ClientToken and TagSpecifications,
// copies stay pending with growing snapshot Progress, copies can fail.

func TestMain(m *testing.M) { awstest.Main(m) }

const source = "us-east-1"

var regions = []string{"ap-south-1", "eu-west-1", "us-east-1"}

// rig starts (or resets) the shared rig and points the standard chain at it.
func rig(t *testing.T) (*awstest.Rig, *awsconfig.Session) {
	t.Helper()
	if testing.Short() {
		t.Skip("imagecopy against moto: not in -short mode")
	}
	r := awstest.Shared(t)
	for _, kv := range r.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	sess, err := (&awsconfig.AccessConfig{MaxRetries: 9}).Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return r, sess
}

// keys creates a symmetric key in each region and returns their ARNs.
func keys(t *testing.T, sess *awsconfig.Session, regions ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range regions {
		k, err := sess.KMS(r).CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
		if err != nil {
			t.Fatal(err)
		}
		out[r] = aws.ToString(k.KeyMetadata.Arn)
	}
	return out
}

func plan(t *testing.T, c *imagecopy.Copier, keys map[string]string, regions ...string) []imagecopy.Job {
	t.Helper()
	src, err := c.Describe(t.Context(), source, awstest.SourceAMIID)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []imagecopy.Job
	for _, r := range regions {
		jobs = append(jobs, imagecopy.Job{Region: r, Source: src, Name: "golden-" + t.Name(), KMSKeyARN: keys[r],
			Tags: map[string]string{"Team": "platform"}, SnapshotTags: map[string]string{"Team": "platform", "Kind": "root"}})
	}
	return jobs
}

func opts(run string) imagecopy.Options {
	return imagecopy.Options{RunID: run, Pipeline: "imagecopy-moto-test", Deadline: time.Now().Add(time.Hour)}
}

// ours lists the images and snapshots the account owns in regions that carry tag key, as region/id.
func ours(t *testing.T, sess *awsconfig.Session, regions ...string) []string {
	t.Helper()
	var out []string
	for _, r := range regions {
		imgs, err := sess.EC2(r).DescribeImages(t.Context(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range imgs.Images {
			out = append(out, r+"/"+aws.ToString(i.ImageId)+" "+string(i.State))
		}
		snaps, err := sess.EC2(r).DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snaps.Snapshots {
			if _, tagged := tagValue(s.Tags, imagecopy.TagRun); tagged {
				out = append(out, r+"/"+aws.ToString(s.SnapshotId))
			}
		}
	}
	return out
}

func TestMotoSealsEveryRegionEncryptedAndTagged(t *testing.T) {
	r, sess := rig(t)
	k := keys(t, sess, regions...)
	if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	c := imagecopy.New(sess, opts("run-seal"))
	start := time.Now()
	copies, err := c.Run(t.Context(), plan(t, c, k, regions...))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3 regions, copies pending 3s: sealed in %v", time.Since(start).Round(10*time.Millisecond))
	if err := c.MarkSealed(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	for _, cp := range copies {
		img, err := c.Describe(t.Context(), cp.Region, cp.Image.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !img.EncryptedWith(k[cp.Region]) || img.Tags["Team"] != "platform" || img.Tags[imagecopy.TagStatus] != imagecopy.StatusSealed ||
			img.Snapshots[0].Tags["Kind"] != "root" || img.Snapshots[0].Tags[imagecopy.TagStatus] != imagecopy.StatusSealed {
			t.Errorf("%s: %+v, want encrypted with %s, tagged and sealed", cp.Region, img, k[cp.Region])
		}
	}
	for _, call := range r.Proxy().CallsTo("ec2", "CopyImage") {
		p := call.Params
		if p["Encrypted"] != "true" || p["KmsKeyId"] != k[call.Region] || p["ClientToken"] == "" || p["TagSpecification.2.ResourceType"] != "snapshot" {
			t.Errorf("CopyImage into %s: %v, want Encrypted, the region's key, a ClientToken and tags for the snapshots", call.Region, p)
		}
	}
}

func TestMotoRerunWithTheSameTokenMakesNoDuplicate(t *testing.T) {
	r, sess := rig(t)
	k := keys(t, sess, "eu-west-1")
	if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	c := imagecopy.New(sess, opts("run-twice"))
	first, err := c.Run(t.Context(), plan(t, c, k, "eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Run(t.Context(), plan(t, c, k, "eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Image.ID != again[0].Image.ID {
		t.Errorf("the same job in the same run made %s, then %s", first[0].Image.ID, again[0].Image.ID)
	}
	if got := ours(t, sess, "eu-west-1"); len(got) != 2 {
		t.Errorf("images and snapshots: %v, want one copy and its snapshot", got)
	}
}

func TestMotoAFailedRegionLeavesNothing(t *testing.T) {
	r, sess := rig(t)
	k := keys(t, sess, regions...)
	if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 2 * time.Second, FailRegions: []string{"eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	c := imagecopy.New(sess, opts("run-fail"))
	copies, err := c.Run(t.Context(), plan(t, c, k, regions...))
	if err == nil || !strings.Contains(err.Error(), "eu-west-1: copy ami-") {
		t.Fatalf("Run() = %v, want eu-west-1's copy failed", err)
	}
	report, err := c.Rollback(context.WithoutCancel(t.Context()), copies)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", report)
	if got := ours(t, sess, regions...); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
	if _, err := c.Describe(t.Context(), source, awstest.SourceAMIID); err != nil {
		t.Errorf("the source is gone: %v", err)
	}
}

func TestMotoCancelMidWaitLeavesNothing(t *testing.T) {
	r, sess := rig(t)
	k := keys(t, sess, regions...)
	if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: time.Minute}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	o := opts("run-cancel")
	o.Progress = func(p imagecopy.Progress) {
		if p.Percent >= 1 {
			cancel()
		}
	}
	c := imagecopy.New(sess, o)
	copies, err := c.Run(ctx, plan(t, c, k, regions...))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run() = %v, want cancelled", err)
	}
	start := time.Now()
	if _, err := c.Rollback(context.WithoutCancel(ctx), copies); err != nil {
		t.Fatal(err)
	}
	t.Logf("rollback of 3 pending copies: %v", time.Since(start).Round(10*time.Millisecond))
	if got := ours(t, sess, regions...); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
}

func TestMotoThrottledCompletes(t *testing.T) {
	r, sess := rig(t)
	k := keys(t, sess, regions...)
	if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := r.Proxy().SetRules(awstest.Rule{Service: "ec2", Fault: awstest.FaultThrottle, Probability: 0.3}); err != nil {
		t.Fatal(err)
	}
	c := imagecopy.New(sess, opts("run-throttled"))
	start := time.Now()
	copies, err := c.Run(t.Context(), plan(t, c, k, regions...))
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, call := range r.Proxy().Calls() {
		if call.Fault == awstest.FaultThrottle {
			throttled++
		}
	}
	t.Logf("30%% of EC2 calls throttled (%d): sealed 3 regions in %v", throttled, time.Since(start).Round(10*time.Millisecond))
	if err := c.MarkSealed(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
}

func TestMotoServerErrorsOnCopyImageMakeNoDuplicates(t *testing.T) {
	r, sess := rig(t)
	k := keys(t, sess, regions...)
	if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := r.Proxy().SetRules(
		awstest.Rule{Service: "ec2", Action: "CopyImage", Fault: awstest.FaultInternal, Times: 3},
		awstest.Rule{Service: "ec2", Action: "CopyImage", Fault: awstest.FaultReset, Times: 2},
		awstest.Rule{Service: "ec2", Action: "DescribeImages", Fault: awstest.FaultThrottle, Times: 4},
	); err != nil {
		t.Fatal(err)
	}
	c := imagecopy.New(sess, opts("run-5xx"))
	copies, err := c.Run(t.Context(), plan(t, c, k, regions...))
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]map[string]bool{}
	for _, call := range r.Proxy().CallsTo("ec2", "CopyImage") {
		if tokens[call.Region] == nil {
			tokens[call.Region] = map[string]bool{}
		}
		tokens[call.Region][call.Params["ClientToken"]] = true
	}
	for _, cp := range copies {
		if len(tokens[cp.Region]) != 1 {
			t.Errorf("%s: CopyImage retried with ClientTokens %v, want one", cp.Region, tokens[cp.Region])
		}
	}
	if got := ours(t, sess, regions...); len(got) != 2*len(regions) {
		t.Errorf("images and snapshots: %v, want one copy and its snapshot per region", got)
	}
}

// TestMotoDetectionDelay measures how late the wait notices a copy that
// takes T, and how many Describe calls it makes. GOLDEN_COPY_TIMES lists
// the Ts (default 10s): GOLDEN_COPY_TIMES=10s,60s,600s.
func TestMotoDetectionDelay(t *testing.T) {
	times := []time.Duration{10 * time.Second}
	if s := os.Getenv("GOLDEN_COPY_TIMES"); s != "" {
		times = nil
		for _, f := range strings.Split(s, ",") {
			d, err := time.ParseDuration(f)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, d)
		}
	}
	for _, T := range times {
		t.Run(T.String(), func(t *testing.T) {
			r, sess := rig(t)
			k := keys(t, sess, "eu-west-1")
			if err := r.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: T}); err != nil {
				t.Fatal(err)
			}
			c := imagecopy.New(sess, opts("run-delay-"+T.String()))
			jobs := plan(t, c, k, "eu-west-1")
			r.Proxy().ClearCalls()
			copies, err := c.Run(t.Context(), jobs)
			if err != nil {
				t.Fatal(err)
			}
			var copied time.Time
			describes := 0
			for _, call := range r.Proxy().Calls() {
				switch call.Action {
				case "CopyImage":
					copied = call.Time.Add(call.Duration)
				case "DescribeImages", "DescribeSnapshots":
					describes++
				}
			}
			delay := copies[0].Waited - T
			t.Logf("T=%v: waited %v, noticed %v late (%.1f%% of T), %d polls, %d Describe calls (CopyImage answered at %s)",
				T, copies[0].Waited.Round(time.Millisecond), delay.Round(time.Millisecond), 100*delay.Seconds()/T.Seconds(),
				copies[0].Polls, describes, copied.Format("15:04:05.000"))
			if limit := max(T/10, 3*time.Second); delay > limit {
				t.Errorf("noticed %v late, want at most %v", delay, limit)
			}
			if describes > 12 {
				t.Errorf("%d Describe calls, want at most 12", describes)
			}
		})
	}
}

func tagValue(tags []ec2types.Tag, key string) (string, bool) {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value), true
		}
	}
	return "", false
}
