package e2e

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// The reliability matrix: golden-seal (with provenance) after amazon-ebs, the
// real packer, moto behind the fault proxy; each scenario with its fault in
// the build region and in the copy region. Every run must end sealed,
// rolled back, or refused before any change, and leave nothing behind.
//
// make test runs the rows marked Fast; make e2e (GOLDEN_MATRIX=full) runs
// all of them, and with GOLDEN_RELIABILITY_DOC=docs/reliability.md writes
// the table from the run.

// relOutcome is how a scenario must end.
type relOutcome string

const (
	outcomeSealed     relOutcome = "sealed"
	outcomeRolledBack relOutcome = "failed, rolled back"
	// outcomeEither: sealed once retries outlast the fault, else rolled back.
	outcomeEither    relOutcome = "sealed, or failed and rolled back"
	outcomeRefused   relOutcome = "refused before any change"
	outcomeNotSealed relOutcome = "build failed, nothing handed to golden-seal"
)

type relScenario struct {
	Name    string
	Region  string // where the fault is; "" when it is nowhere in particular
	Fast    bool   // in make test's subset
	Want    relOutcome
	Bound   time.Duration         // the longest the run may take
	Copies  awstest.CopyBehaviour // how copies progress; default: pending 2s
	Timeout string                // golden-seal's timeout; default 10m
	// Lifecycle adds family and retention (keep_latest = 1) to golden-seal,
	// and an older image of the family in each region for retention to retire.
	Lifecycle bool
	Steps     []relStep      // what happens while packer runs
	Rules     []awstest.Rule // the rules Steps arm, each of which must fire
	Amazon    []relStep      // the same fault for the amazon plugin, when it can run it
	Run       func(t *testing.T, sc relScenario) relResult
}

// relResult is one row of docs/reliability.md.
type relResult struct {
	Scenario  string
	Region    string
	Outcome   relOutcome
	Leftovers []acctItem
	Wall      time.Duration
	// Amazon is the amazon plugin's leftovers under the same fault; nil when not run.
	Amazon *[]acctItem
}

// relFull says whether to run the whole matrix.
func relFull() bool { return os.Getenv("GOLDEN_MATRIX") == "full" }

func TestReliability(t *testing.T) {
	if testing.Short() {
		t.Skip("needs packer, the amazon plugin and moto: not run with -short")
	}
	matrix := relMatrix()
	var results []relResult // the rows of docs/reliability.md
	for _, sc := range matrix {
		if !sc.Fast && !relFull() {
			continue
		}
		t.Run(sc.Name+" in "+cmp.Or(sc.Region, "any region"), func(t *testing.T) {
			run := sc.Run
			if run == nil {
				run = runSeal
			}
			res := run(t, sc)
			if len(res.Leftovers) > 0 {
				t.Errorf("%d leftovers: %s", len(res.Leftovers), listResources(res.Leftovers))
			}
			if sc.Amazon != nil && relFull() {
				left := runAmazon(t, sc)
				res.Amazon = &left
			}
			results = append(results, res)
		})
	}
	t.Logf("ran %d of the %d scenarios (GOLDEN_MATRIX=full runs them all)", len(results), len(matrix))
	// the table is written from a run of every scenario only
	if doc := os.Getenv("GOLDEN_RELIABILITY_DOC"); doc != "" && len(results) == len(matrix) && !t.Failed() {
		if err := os.WriteFile(doc, []byte(renderReliability(results, time.Now())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runSeal runs the scenario's build and checks how it ended and what it left.
func runSeal(t *testing.T, sc relScenario) relResult {
	provIn := cmp.Or(sc.Region, buildRegion)
	e := newRelEnv(t, provIn)
	copies := sc.Copies
	if copies.Pending == 0 && copies.PendingPolls == 0 && len(copies.FailRegions)+len(copies.StuckRegions) == 0 {
		copies.Pending = 2 * time.Second
	}
	if err := e.rig.SetCopyBehaviour(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	tp := relTemplate{Timeout: cmp.Or(sc.Timeout, "10m")}
	if sc.Lifecycle {
		tp.Seal = iamLifecycle
		iamOlderFamilyImages(t, e)
	}
	before := e.survey(t)
	e.rig.Proxy().ClearCalls()
	run := e.startPacker(t, "reliability.pkr.hcl", e.sealTemplate(tp))
	run.follow(sc.Steps, sc.Bound)
	out := run.wait(sc.Bound)
	t.Logf("packer build exited %d after %v:\n%s", run.exit, run.wall.Round(10*time.Millisecond), out)
	e.rig.Proxy().SetRules()
	calls := e.rig.Proxy().Calls()
	after := e.survey(t)
	checkRulesFired(t, sc.Rules, calls)
	checkUntouched(t, e.bystander, after, calls)
	got := sc.Want
	if got == outcomeEither {
		got = map[bool]relOutcome{true: outcomeSealed, false: outcomeRolledBack}[run.exit == 0]
	}
	left := checkOutcome(t, got, run.exit, out, newResources(before, after), calls)
	if sc.Lifecycle {
		left = append(left, halfRetired(before, after)...)
	}
	return relResult{Scenario: sc.Name, Region: sc.Region, Outcome: got, Leftovers: left, Wall: run.wall}
}

// runAmazon puts the amazon plugin through the scenario's fault on the same
// rig and returns what it left: everything it created, since it fails.
func runAmazon(t *testing.T, sc relScenario) []acctItem {
	t.Helper()
	e := newRelEnv(t, buildRegion)
	copies := sc.Copies
	if copies.Pending == 0 {
		copies.Pending = 2 * time.Second
	}
	if err := e.rig.SetCopyBehaviour(t.Context(), copies); err != nil {
		t.Fatal(err)
	}
	before := e.survey(t)
	run := e.startPacker(t, "amazon.pkr.hcl", e.amazonTemplate())
	run.follow(sc.Amazon, 5*time.Minute)
	out := run.wait(5 * time.Minute)
	e.rig.Proxy().SetRules()
	t.Logf("the amazon plugin exited %d after %v:\n%s", run.exit, run.wall.Round(10*time.Millisecond), out)
	if run.exit == 0 {
		t.Errorf("the amazon plugin's build succeeded under %q", sc.Name)
	}
	left := newResources(before, e.survey(t))
	t.Logf("the amazon plugin left %d: %s", len(left), listResources(left))
	return left
}

// checkRulesFired fails t for a rule no call met: the scenario then proved nothing.
func checkRulesFired(t *testing.T, rules []awstest.Rule, calls []awstest.Call) {
	t.Helper()
	for _, r := range rules {
		if !slices.ContainsFunc(calls, func(c awstest.Call) bool {
			return (r.Service == "" || c.Service == r.Service) && (r.Action == "" || c.Action == r.Action) &&
				(r.Region == "" || c.Region == r.Region) && c.Fault == r.Fault && c.Delay == r.Delay
		}) {
			t.Errorf("rule %+v never fired", r)
		}
	}
}

// halfRetired are the images and snapshots of older runs of the family that
// retention removed only in part: an image gone with its snapshot left, or
// the other way round.
func halfRetired(before, after accountState) []acctItem {
	var left []acctItem
	for _, r := range relRegions {
		var had, kept []acctItem
		for _, it := range before {
			if it.Region == r && it.Tags[imagecopy.TagRun] == "an-older-run" {
				had = append(had, it)
				if _, ok := after[it.key()]; ok {
					kept = append(kept, it)
				}
			}
		}
		if len(kept) > 0 && len(kept) < len(had) {
			left = append(left, kept...)
		}
	}
	return left
}

// relSealed is a region's line of golden-seal's artifact.
var relSealed = regexp.MustCompile(`(?:^|[^a-z])([a-z]{2}-[a-z]+-\d): (ami-[0-9a-f]+) \(key (arn:[^)]+)\)`)

// changesFromSeal are the calls golden-seal makes once it changes something.
var changesFromSeal = []string{"CopyImage", "ModifyImageAttribute", "EnableImageDeprecation", "Sign", "PutObject", "PutParameter"}

// checkOutcome checks that the run ended as wanted, and returns what it
// created beyond what that outcome leaves: the leftovers.
func checkOutcome(t *testing.T, want relOutcome, exit int, out string, created []acctItem, calls []awstest.Call) []acctItem {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	switch want {
	case outcomeSealed:
		if exit != 0 {
			t.Errorf("packer build exited %d, want the image sealed", exit)
			return created
		}
		return sealedLeftovers(t, out, created)
	case outcomeRolledBack:
		if exit == 0 {
			t.Error("packer build succeeded, want it failed and rolled back")
		}
		if !strings.Contains(flat, "rolled back: nothing this run created is left") {
			t.Error("golden-seal does not say that it rolled back everything")
		}
	case outcomeRefused:
		if exit == 0 {
			t.Error("packer build succeeded, want golden-seal to refuse")
		}
		if !strings.Contains(flat, "(nothing was changed)") {
			t.Error("golden-seal does not say that nothing was changed")
		}
		for _, c := range calls {
			if slices.Contains(changesFromSeal, c.Action) {
				t.Errorf("%s %s in %s after golden-seal refused", c.Service, c.Action, c.Region)
			}
		}
	case outcomeNotSealed:
		if exit == 0 {
			t.Error("packer build succeeded, want it failed")
		}
		for _, c := range calls {
			if slices.Contains(changesFromSeal, c.Action) {
				t.Errorf("%s %s in %s: golden-seal ran after the build failed", c.Service, c.Action, c.Region)
			}
		}
	}
	return created
}

// sealedLeftovers checks each region's sealed image and returns what the
// run created besides the sealed images, their snapshots and records.
func sealedLeftovers(t *testing.T, out string, created []acctItem) []acctItem {
	t.Helper()
	amis := map[string]string{}
	for _, m := range relSealed.FindAllStringSubmatch(out, -1) {
		amis[m[1]] = m[2]
	}
	if len(amis) != len(relRegions) {
		t.Errorf("the artifact lists sealed images in %v, want %v", amis, relRegions)
	}
	var left []acctItem
	for _, it := range created {
		switch {
		case it.Kind == "image" && amis[it.Region] == it.ID:
			if !sealedResource(it) {
				t.Errorf("%s is not marked sealed", it)
			}
			if _, err := attestore.ParsePointer(it.Tags); err != nil {
				t.Errorf("%s does not point to its provenance: %v", it, err)
			}
		case it.Kind == "snapshot" && sealedResource(it) && slices.ContainsFunc(created, func(img acctItem) bool {
			return img.Kind == "image" && img.Region == it.Region && amis[img.Region] == img.ID && img.Tags[imagecopy.TagRun] == it.Tags[imagecopy.TagRun]
		}):
			if !strings.Contains(it.Detail, "encrypted=true") {
				t.Errorf("%s is not encrypted: %s", it, it.Detail)
			}
		case it.Kind == "s3-object" || it.Kind == "ssm-parameter" || it.Kind == "file":
			if !slices.ContainsFunc(slices.Collect(maps.Values(amis)), func(ami string) bool { return strings.Contains(it.ID, ami) }) {
				left = append(left, it)
			}
		default:
			left = append(left, it)
		}
	}
	return left
}

// relMatrix is every scenario, each in both regions where it has a region.
func relMatrix() []relScenario {
	var m []relScenario
	for _, r := range relRegions {
		fast := func(region string) bool { return r == region }
		arm := func(rules ...awstest.Rule) []relStep {
			return []relStep{{What: "golden-seal starts", When: sealStarts, Do: addRules(rules...)}}
		}
		armAtCopy := func(rules ...awstest.Rule) []relStep {
			return []relStep{{What: "the copy into " + r + " is made", When: onAnswered(callMatch{Service: "ec2", Action: "CopyImage", Region: r}), Do: addRules(rules...)}}
		}
		scenario := func(sc relScenario) {
			sc.Region = r
			sc.Bound = cmp.Or(sc.Bound, 3*time.Minute)
			m = append(m, sc)
		}
		rule := func(service, action string, fault awstest.Fault, times int, dur time.Duration) awstest.Rule {
			return awstest.Rule{Service: service, Action: action, Region: r, Fault: fault, Times: times, For: dur}
		}

		throttled := awstest.Rule{Region: r, Fault: awstest.FaultThrottle, Probability: 0.3}
		scenario(relScenario{Name: "30% of calls throttled", Fast: fast(copyRegion), Want: outcomeSealed, Steps: arm(throttled), Rules: []awstest.Rule{throttled}})
		polls := []awstest.Rule{rule("ec2", "DescribeImages", awstest.FaultThrottle, 0, 20*time.Second), rule("ec2", "DescribeSnapshots", awstest.FaultThrottle, 0, 20*time.Second)}
		scenario(relScenario{Name: "every poll throttled for 20 s", Want: outcomeSealed, Copies: awstest.CopyBehaviour{Pending: 5 * time.Second},
			Steps: armAtCopy(polls...), Rules: polls[:1]})

		for _, f := range []struct {
			service, action string
			fault           awstest.Fault
			fast            bool
		}{
			{"ec2", "CopyImage", awstest.FaultInternal, false},
			{"ec2", "CopyImage", awstest.FaultReset, false},
			{"ec2", "CopyImage", awstest.FaultLost, fast(buildRegion)},
			{"ec2", "CreateTags", awstest.FaultInternal, false},
			{"ec2", "CreateTags", awstest.FaultReset, false},
			{"ec2", "CreateTags", awstest.FaultLost, false},
			{"ec2", "DescribeImages", awstest.FaultInternal, false},
			{"ec2", "DescribeImages", awstest.FaultReset, false},
			{"kms", "Sign", awstest.FaultInternal, false},
			{"kms", "Sign", awstest.FaultReset, false},
			{"s3", "PutObject", awstest.FaultInternal, false},
			{"s3", "PutObject", awstest.FaultReset, fast(buildRegion)},
			{"ssm", "PutParameter", awstest.FaultInternal, false},
			{"ssm", "PutParameter", awstest.FaultReset, false},
		} {
			times := 2
			if f.fault == awstest.FaultLost {
				times = 1
			}
			rl := rule(f.service, f.action, f.fault, times, 0)
			scenario(relScenario{Name: callName(f.service, f.action) + ": " + faultName(f.fault, times), Fast: f.fast, Want: outcomeSealed, Steps: arm(rl), Rules: []awstest.Rule{rl}})
		}

		for _, f := range []struct {
			service, action string
			want            relOutcome
			fast            bool
		}{
			{"ec2", "CopyImage", outcomeEither, false},
			{"ec2", "CreateTags", outcomeEither, false},
			{"ec2", "DescribeImages", outcomeSealed, false},
			{"kms", "Sign", outcomeEither, false},
			{"s3", "PutObject", outcomeEither, false},
			{"ssm", "PutParameter", outcomeEither, false},
		} {
			rl := rule(f.service, f.action, awstest.FaultInternal, 0, 30*time.Second)
			steps := arm(rl)
			name := callName(f.service, f.action) + ": 5xx for 30 s"
			if f.action == "DescribeImages" { // from the first poll: describing the source fails the preflight
				steps, name = armAtCopy(rl), name+" while waiting"
			}
			scenario(relScenario{Name: name, Fast: f.fast, Want: f.want, Steps: steps, Rules: []awstest.Rule{rl}})
		}

		scenario(relScenario{Name: "the copy never completes (timeout 45 s)", Want: outcomeRolledBack, Timeout: "45s",
			Copies: awstest.CopyBehaviour{Pending: 2 * time.Second, StuckRegions: []string{r}}})
		scenario(relScenario{Name: "the copy fails", Fast: fast(copyRegion), Want: outcomeRolledBack, Copies: awstest.CopyBehaviour{Pending: 3 * time.Second, FailRegions: []string{r}},
			Amazon: []relStep{}})
		denied := rule("kms", "DescribeKey", awstest.FaultDenied, 0, 0)
		scenario(relScenario{Name: "KMS AccessDenied on the region's keys", Fast: fast(copyRegion), Want: outcomeRefused, Steps: arm(denied), Rules: []awstest.Rule{denied}})

		for _, f := range []struct{ service, action string }{{"ec2", "DescribeInstances"}, {"ec2", "DeregisterImage"}, {"ec2", "DeleteSnapshot"}} {
			// retention runs once the images are sealed: what fails there is reported, never rolled back
			rl := awstest.Rule{Service: f.service, Action: f.action, Region: r, Fault: awstest.FaultInternal, For: 30 * time.Second}
			steps := arm(rl)                     // golden-seal calls DescribeInstances for retention only
			if f.action != "DescribeInstances" { // after the unencrypted input is removed
				steps = []relStep{{What: "retention begins in " + r, When: onStarted(callMatch{Service: "ec2", Action: "DescribeInstances", Region: r}), Do: addRules(rl)}}
			}
			scenario(relScenario{Name: "retention: " + callName(f.service, f.action) + ": 5xx for 30 s", Want: outcomeSealed, Lifecycle: true, Steps: steps, Rules: []awstest.Rule{rl}})
		}

		for _, ph := range []struct {
			phase   string
			service string
			action  string
			fast    bool
			amazon  bool
		}{
			{"copying", "ec2", "CopyImage", false, true},
			{"sharing", "ec2", "ModifyImageAttribute", fast(buildRegion), false},
			{"signing", "kms", "Sign", fast(copyRegion), false},
		} {
			slow := awstest.Rule{Service: ph.service, Action: ph.action, Region: r, Delay: 5 * time.Second}
			at := callMatch{Service: ph.service, Action: ph.action, Region: r}
			steps := []relStep{
				{What: "golden-seal starts", When: sealStarts, Do: addRules(slow)},
				{What: ph.action + " in " + r + " begins", When: onStarted(at), Do: signal(syscall.SIGINT)},
			}
			sc := relScenario{Name: "Ctrl-C while " + ph.phase, Fast: ph.fast, Want: outcomeRolledBack, Steps: steps, Rules: []awstest.Rule{slow}}
			if ph.amazon {
				sc.Amazon = []relStep{
					{What: "the amazon plugin starts", When: onLine(regexp.MustCompile(`amazon-ebs.amazon: Prevalidating`)), Do: addRules(slow)},
					{What: ph.action + " in " + r + " begins", When: onStarted(at), Do: signal(syscall.SIGINT)},
				}
			}
			scenario(sc)
		}
		waiting := []relStep{
			{What: "the copy into " + r + " is made", When: onAnswered(callMatch{Service: "ec2", Action: "CopyImage", Region: r}), Do: func(*relRun) {}},
			{What: "the first poll in " + r + " begins", When: onStarted(callMatch{Service: "ec2", Action: "DescribeImages", Region: r}), Do: signal(syscall.SIGINT)},
		}
		scenario(relScenario{Name: "Ctrl-C while waiting", Want: outcomeRolledBack, Copies: awstest.CopyBehaviour{Pending: time.Minute}, Steps: waiting, Amazon: waiting})
	}
	m = append(m,
		relScenario{Name: "SIGKILL while waiting, then the same build again", Want: outcomeSealed, Bound: 4 * time.Minute, Run: runKillAndRerun},
		relScenario{Name: "the hardening communicator drops", Want: outcomeNotSealed, Bound: 4 * time.Minute, Run: runHardenDrop},
	)
	return m
}

// callName is how the table names a call: EC2 CopyImage, KMS Sign.
func callName(service, action string) string { return strings.ToUpper(service) + " " + action }

func faultName(f awstest.Fault, times int) string {
	what := map[awstest.Fault]string{awstest.FaultInternal: "5xx", awstest.FaultReset: "connection reset", awstest.FaultLost: "answer lost",
		awstest.FaultThrottle: "throttled"}[f]
	if times == 1 {
		return what
	}
	return fmt.Sprintf("%d × %s", times, what)
}
