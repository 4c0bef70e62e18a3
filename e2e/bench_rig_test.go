package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/benchdoc"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// benchRegions are the target regions of the pipeline benchmarks, the build region first.
var benchRegions = []string{
	buildRegion, "eu-west-1", "ap-south-1", "us-west-2", "eu-central-1", "ap-northeast-1", "us-east-2", "eu-west-2",
	"ap-southeast-1", "ca-central-1", "sa-east-1", "eu-north-1", "ap-southeast-2", "us-west-1", "eu-west-3", "ap-northeast-2",
}

// benchKeyAlias names every region's key in the template, for both tools.
const benchKeyAlias = "alias/golden-bench"

// benchRig runs `packer build` of testdata/bench.pkr.hcl against the shared
// rig, with the sandbox's sshd as the instance.
type benchRig struct {
	aws      *awstest.Rig
	instance *sandboxtest.SSH
	packer   *packertest.Packer
	dir      string
}

func newBenchRig(tb testing.TB) *benchRig {
	tb.Helper()
	r := &benchRig{aws: awstest.Shared(tb), instance: sandboxtest.StartSSH(tb), packer: packertest.New(tb), dir: tb.TempDir()}
	// A user's default environment: the rig's low AWS_MAX_ATTEMPTS would also
	// cut the amazon plugin's waiters short.
	for _, kv := range r.aws.Env() {
		if !strings.HasPrefix(kv, "AWS_MAX_ATTEMPTS=") && !strings.HasPrefix(kv, "AWS_RETRY_MODE=") {
			r.packer.Env = append(r.packer.Env, kv)
		}
	}
	data, err := os.ReadFile(filepath.Join("testdata", "bench.pkr.hcl"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "bench.pkr.hcl"), data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return r
}

// rounds runs the plan's cases once untimed, then round after round while
// next says so, in reverse order every other round, then the plan's cases
// that run once.
func (r *benchRig) rounds(tb testing.TB, plan benchdoc.Plan, next func() bool) benchdoc.Pipeline {
	tb.Helper()
	res := benchdoc.Pipeline{Plan: plan}
	cases := plan.Round()
	for _, c := range []benchdoc.Case{benchdoc.PlainCase, {Pipeline: benchdoc.Seal, Regions: 1}} {
		r.run(tb, c) // warm-up: page cache, plugin binaries, sshd
	}
	for round := 0; next(); round++ {
		order := slices.Clone(cases)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, c := range order {
			run := r.run(tb, c)
			run.Round = round
			res.Runs = append(res.Runs, run)
		}
		res.Rounds++
	}
	for _, c := range plan.Once() {
		res.Runs = append(res.Runs, r.run(tb, c))
	}
	return res
}

// run resets the rig, creates every region's key, sets T and throttling,
// and measures one build.
func (r *benchRig) run(tb testing.TB, c benchdoc.Case) benchdoc.Run {
	tb.Helper()
	ctx := tb.Context()
	if err := r.aws.Reset(ctx); err != nil {
		tb.Fatal(err)
	}
	regions := benchRegions[:c.Regions]
	keys := map[string]string{}
	for _, region := range regions {
		r.aws.CreateKey(tb, region, kmstypes.KeyUsageTypeEncryptDecrypt, "", benchKeyAlias)
		keys[region] = benchKeyAlias
	}
	if err := r.aws.SetCopyBehaviour(ctx, awstest.CopyBehaviour{Pending: c.CopyTime}); err != nil {
		tb.Fatal(err)
	}
	if c.Throttle > 0 {
		if err := r.aws.Proxy().SetRules(awstest.Rule{Service: "ec2", Fault: awstest.FaultThrottle, Probability: c.Throttle}); err != nil {
			tb.Fatal(err)
		}
	}
	r.aws.Proxy().ClearCalls()
	keysJSON, _ := json.Marshal(keys)
	regionsJSON, _ := json.Marshal(regions)
	vars := []string{
		"PKR_VAR_region=" + buildRegion,
		"PKR_VAR_source_ami=" + awstest.SourceAMIID,
		fmt.Sprintf("PKR_VAR_ssh_port=%d", r.instance.Port),
		"PKR_VAR_ssh_private_key_file=" + r.instance.PrivateKey,
		"PKR_VAR_regions=" + string(regionsJSON),
		"PKR_VAR_keys=" + string(keysJSON),
	}
	run := r.build(tb, ctx, c, vars)
	calls := r.aws.Proxy().Calls()
	if err := r.aws.Proxy().SetRules(); err != nil {
		tb.Fatal(err)
	}
	run.Calls = len(calls)
	for _, call := range calls {
		if call.Fault == awstest.FaultThrottle {
			run.Throttled++
		}
	}
	run.Copies = benchCopies(calls, c.CopyTime)
	if want := c.Regions; c.Pipeline != benchdoc.Plain && len(run.Copies) != want {
		tb.Fatalf("%v: the call log shows %d copies noticed, want %d: %+v", c, len(run.Copies), want, run.Copies)
	}
	tb.Logf("%v: build %v, golden-seal %v, %d calls (%d throttled), copies %+v", c, run.Wall.Round(time.Millisecond),
		run.Seal.Round(time.Millisecond), run.Calls, run.Throttled, run.Copies)
	return run
}

// build runs `packer build -only=amazon-ebs.<pipeline>` and times it, and
// golden-seal's part from the line packer prints when it starts the
// post-processor.
func (r *benchRig) build(tb testing.TB, ctx context.Context, c benchdoc.Case, vars []string) benchdoc.Run {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 3*c.CopyTime+5*time.Minute)
	defer cancel()
	cmd := r.packer.Command(ctx, r.dir, vars, "build", "-color=false", "-only=amazon-ebs."+c.Pipeline, ".")
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	var log bytes.Buffer
	var sealed time.Time
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := lines.Text()
		if sealed.IsZero() && strings.Contains(line, "Running post-processor") && strings.Contains(line, "golden-seal") {
			sealed = time.Now()
		}
		fmt.Fprintln(&log, line)
	}
	err = cmd.Wait()
	end := time.Now()
	if err != nil {
		tb.Fatalf("packer build (%v): %v\n%s", c, err, log.String())
	}
	run := benchdoc.Run{Case: c, Wall: end.Sub(start)}
	if !sealed.IsZero() {
		run.Seal = end.Sub(sealed)
	}
	if c.Pipeline == benchdoc.Seal && run.Seal == 0 {
		tb.Fatalf("packer build (%v) never said it ran golden-seal:\n%s", c, log.String())
	}
	return run
}

// benchCopies reads every copy's detection delay and polls from the call
// log (see benchdoc.Copy): the copy is available T after its CopyImage
// reached the proxy, and noticed at the end of the first DescribeImages in
// its region that started after that.
func benchCopies(calls []awstest.Call, T time.Duration) []benchdoc.Copy {
	calls = slices.Clone(calls)
	slices.SortStableFunc(calls, func(a, b awstest.Call) int { return a.Time.Compare(b.Time) })
	var out []benchdoc.Copy
	for i, c := range calls {
		if c.Service != "ec2" || c.Action != "CopyImage" || c.Status != 200 {
			continue
		}
		available := c.Time.Add(T)
		cp := benchdoc.Copy{Region: c.Region}
		for _, d := range calls[i+1:] {
			if d.Service != "ec2" || d.Region != c.Region || (d.Action != "DescribeImages" && d.Action != "DescribeSnapshots") ||
				d.Params["ImageId.1"] == c.Params["SourceImageId"] {
				continue
			}
			cp.Polls++
			if d.Action == "DescribeImages" && d.Status == 200 && !d.Time.Before(available) {
				cp.Delay = d.Time.Add(d.Duration).Sub(available)
				out = append(out, cp)
				break
			}
		}
	}
	return out
}

// The benchmark's reading of the call log, on a log written by hand.
func TestBenchCopies(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	call := func(ms int, region, action string, params map[string]string, status int) awstest.Call {
		return awstest.Call{Time: at(ms), Service: "ec2", Region: region, Action: action, Params: params, Status: status, Duration: 10 * time.Millisecond}
	}
	source := map[string]string{"ImageId.1": "ami-source"}
	calls := []awstest.Call{
		call(0, "eu-west-1", "CopyImage", map[string]string{"SourceImageId": "ami-source"}, 200),
		call(0, "us-east-1", "CopyImage", map[string]string{"SourceImageId": "ami-source"}, 503), // throttled, retried
		call(100, "us-east-1", "CopyImage", map[string]string{"SourceImageId": "ami-source"}, 200),
		call(1000, "eu-west-1", "DescribeImages", nil, 200),
		call(1100, "us-east-1", "DescribeImages", source, 200), // the source, not the copy
		call(1200, "us-east-1", "DescribeSnapshots", nil, 200),
		call(9900, "eu-west-1", "DescribeSnapshots", nil, 200),
		call(10050, "eu-west-1", "DescribeImages", nil, 503), // throttled: a poll, but it saw nothing
		call(10200, "eu-west-1", "DescribeImages", nil, 200), // noticed: 10.2 s + 10 ms after CopyImage
		call(10300, "eu-west-1", "DescribeSnapshots", nil, 200),
		call(10150, "us-east-1", "DescribeImages", nil, 200), // noticed, 50 ms + 10 ms late
	}
	got := benchCopies(calls, 10*time.Second)
	want := []benchdoc.Copy{
		{Region: "eu-west-1", Delay: 210 * time.Millisecond, Polls: 4},
		{Region: "us-east-1", Delay: 60 * time.Millisecond, Polls: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copies (-want +got):\n%s", diff)
	}
}
