package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// TestHardenConnectionDrop kills the SSH session while a script runs: the build
// fails saying the connection dropped, no report is written (neither in
// report_dir nor for golden-seal), and the runner removes its directory.
func TestHardenConnectionDrop(t *testing.T) {
	s := sandboxtest.StartSSH(t)
	p := packertest.New(t)
	dir := t.TempDir()
	writeHardenFile(t, dir, "slow.sh", "#!/bin/sh\necho waiting for the drop\nsleep 60\n")
	writeHardenFile(t, dir, "harden.pkr.hcl", hardenTemplate(s, dir, `    profile = "none"
    scripts = ["slow.sh"]`))

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	go func() {
		// Once the script runs, kill the sandbox's sshd session processes, as a
		// network failure would end them.
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if pids := hardenSessionPIDs(s.Root()); len(pids) > 0 && hardenScriptRunning(s.Root()) {
				for _, pid := range pids {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	res := p.Run(t, ctx, dir, nil, "build", "-color=false", ".")
	if res.ExitCode == 0 {
		t.Fatal("packer build succeeded after the connection dropped")
	}
	if out := strings.Join(strings.Fields(res.Output), " "); !strings.Contains(out, "connection to the machine dropped") {
		t.Error("packer's output does not say that the connection dropped")
	}
	for _, sub := range []string{"reports", "rendezvous"} {
		if entries, _ := os.ReadDir(filepath.Join(dir, sub)); len(entries) > 0 {
			t.Errorf("%s written after the connection dropped: %v", sub, entries)
		}
	}
	checkNoHardenLeftovers(t, s.Root())
}

// hardenSessionPIDs are the sshd session processes running in the sandbox.
func hardenSessionPIDs(root string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if r, err := os.Readlink(filepath.Join("/proc", e.Name(), "root")); err != nil || r != root {
			continue
		}
		if cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && strings.HasPrefix(string(cmd), "sshd: root") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// hardenScriptRunning says whether the runner's work dir holds the unpacked bundle.
func hardenScriptRunning(root string) bool {
	matches, _ := filepath.Glob(filepath.Join(root, "tmp", "golden-harden-*", "scripts", "001"))
	return len(matches) > 0
}

// checkNoHardenLeftovers fails t when golden-harden's directory is still in
// the sandbox's /tmp 30 s after the connection dropped: the runner notices its
// input closing and removes it.
func checkNoHardenLeftovers(t *testing.T, root string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		left, err := filepath.Glob(filepath.Join(root, "tmp", "golden-harden-*"))
		if err != nil {
			t.Fatal(err)
		}
		if left == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("left on the machine: %v", left)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
