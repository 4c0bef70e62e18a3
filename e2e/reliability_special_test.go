package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// runKillAndRerun kills packer (SIGKILL: nothing runs after it) while the
// copies are pending, then runs the same build again: the rerun removes the
// killed run's copies, found by their tags, and seals once.
func runKillAndRerun(t *testing.T, sc relScenario) relResult {
	e := newRelEnv(t, buildRegion)
	if err := e.rig.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: time.Minute}); err != nil {
		t.Fatal(err)
	}
	before := e.survey(t)
	e.rig.Proxy().ClearCalls()
	template := e.sealTemplate(relTemplate{Timeout: "10m"})
	killed := e.startPacker(t, "reliability.pkr.hcl", template)
	killed.follow([]relStep{
		{What: "the copy into " + buildRegion + " is made", When: anyTime(onAnswered(callMatch{Service: "ec2", Action: "CopyImage", Region: buildRegion})), Do: func(*relRun) {}},
		{What: "the copy into " + copyRegion + " is made", When: anyTime(onAnswered(callMatch{Service: "ec2", Action: "CopyImage", Region: copyRegion})), Do: func(*relRun) {}},
		{What: "a poll begins", When: onStarted(callMatch{Service: "ec2", Action: "DescribeImages"}), Do: signal(syscall.SIGKILL)},
	}, sc.Bound)
	killed.wait(time.Minute)
	crashed := newResources(before, e.survey(t))
	copying := 0
	for _, it := range crashed {
		if it.Kind == "image" && it.Tags[imagecopy.TagStatus] == imagecopy.StatusCopying {
			copying++
		}
	}
	if copying != len(relRegions) {
		t.Fatalf("the killed run left %s; want a copy marked %s in each region", listResources(crashed), imagecopy.StatusCopying)
	}
	t.Logf("the killed run left %s", listResources(crashed))

	if err := e.rig.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.rig.Proxy().ClearCalls()
	rerun := e.startPacker(t, "reliability.pkr.hcl", template)
	out := rerun.wait(sc.Bound)
	t.Logf("the rerun exited %d after %v:\n%s", rerun.exit, rerun.wall.Round(10*time.Millisecond), out)
	calls := e.rig.Proxy().Calls()
	after := e.survey(t)
	if !strings.Contains(out, "removed leftovers of earlier runs") {
		t.Error("the rerun does not report the killed run's leftovers")
	}
	checkUntouched(t, e.bystander, after, calls)
	left := checkOutcome(t, outcomeSealed, rerun.exit, out, newResources(before, after), calls)
	return relResult{Scenario: sc.Name, Outcome: sc.Want, Leftovers: left, Wall: killed.wall + rerun.wall}
}

// runHardenDrop drops golden-harden's SSH session while its script runs:
// the build fails saying so, no report reaches the rendezvous, golden-seal
// never runs, and amazon-ebs cleans up its instance.
func runHardenDrop(t *testing.T, sc relScenario) relResult {
	s := sandboxtest.StartSSH(t)
	e := newRelEnv(t, buildRegion)
	if err := os.WriteFile(filepath.Join(e.dir, "slow.sh"), []byte("#!/bin/sh\necho waiting for the drop\nsleep 60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	harden := fmt.Sprintf(`
  provisioner "golden-harden" {
    profile        = "none"
    scripts        = ["slow.sh"]
    report_dir     = %q
    rendezvous_dir = %q
  }
`, filepath.Join(e.dir, "reports"), e.rendezvous())
	before := e.survey(t)
	e.rig.Proxy().ClearCalls()
	run := e.startPacker(t, "reliability.pkr.hcl", e.sealTemplate(relTemplate{Timeout: "10m", Harden: harden, SSHPort: s.Port, SSHKey: s.PrivateKey}))
	run.follow([]relStep{{
		What: "the script runs",
		When: func(*relRun, time.Time) (time.Time, bool) {
			return time.Now(), len(hardenSessionPIDs(s.Root())) > 0 && hardenScriptRunning(s.Root())
		},
		Do: func(*relRun) { // as a network failure would end them
			for _, pid := range hardenSessionPIDs(s.Root()) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		},
	}}, sc.Bound)
	out := run.wait(sc.Bound)
	t.Logf("packer build exited %d after %v:\n%s", run.exit, run.wall.Round(10*time.Millisecond), out)
	calls := e.rig.Proxy().Calls()
	after := e.survey(t)
	if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "connection to the machine dropped") {
		t.Error("packer's output does not say that the connection dropped")
	}
	for _, dir := range []string{filepath.Join(e.dir, "reports"), e.rendezvous()} {
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("%s holds %v after the connection dropped: a partial report", dir, entries)
		}
	}
	checkNoHardenLeftovers(t, s.Root())
	checkUntouched(t, e.bystander, after, calls)
	left := checkOutcome(t, outcomeNotSealed, run.exit, out, newResources(before, after), calls)
	return relResult{Scenario: sc.Name, Outcome: sc.Want, Leftovers: left, Wall: run.wall}
}
