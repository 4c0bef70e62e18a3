package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A build that starts a detached daemon in the sandbox and then waits.
const sandboxCancelTemplate = sandboxVars + `
source "golden-sandbox" "cancel" {
  rootfs_tarball = var.rootfs_tarball
  cache_dir      = var.cache_dir
}

build {
  sources = ["source.golden-sandbox.cancel"]

  provisioner "shell" {
    inline = [
      "setsid sleep 1000 </dev/null >/dev/null 2>&1 &",
      "echo provisioning-started",
      "sleep 1000",
    ]
  }
}
`

// TestSandboxCancel interrupts packer as Ctrl-C does, SIGINT to its process
// group, while a provisioner runs: the build ends soon, and leaves no
// process, mount, root or output behind.
func TestSandboxCancel(t *testing.T) {
	b := newSandboxBuild(t, sandboxCancelTemplate)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := b.Packer.Command(ctx, b.Dir, b.vars(t), "build", "-color=false", ".")
	out, err := cmd.StdoutPipe()
	sandboxMust(t, err)
	cmd.Stderr = cmd.Stdout
	sandboxMust(t, cmd.Start())

	var interrupted time.Time
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		t.Logf("packer: %s", line)
		if interrupted.IsZero() && strings.Contains(line, "provisioning-started") {
			interrupted = time.Now()
			sandboxMust(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
		}
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	if interrupted.IsZero() {
		t.Fatalf("the provisioner never started; packer ended with %v", err)
	}
	took := time.Since(interrupted)
	t.Logf("packer ended %s after SIGINT: %v", took, err)
	if err == nil {
		t.Error("packer exited 0 after an interrupt")
	}
	if took > time.Minute {
		t.Errorf("packer took %s to end after SIGINT", took)
	}
	assertPackerGone(t, b)
	assertNoSandboxLeft(t, b.Cache)
	if _, err := os.Stat(filepath.Join(b.Dir, "output-cancel")); !os.IsNotExist(err) {
		t.Errorf("the output folder is left: %v", err)
	}
}

// TestSandboxFailure: a failing provisioner fails the build and leaves nothing.
func TestSandboxFailure(t *testing.T) {
	b := newSandboxBuild(t, sandboxVars+`
source "golden-sandbox" "fail" {
  rootfs_tarball = var.rootfs_tarball
  cache_dir      = var.cache_dir
}
build {
  sources = ["source.golden-sandbox.fail"]
  provisioner "shell" {
    inline = ["setsid sleep 1000 </dev/null >/dev/null 2>&1 &", "echo failing; exit 3"]
  }
}
`)
	res := b.Packer.Run(t, t.Context(), b.Dir, b.vars(t), "build", "-color=false", ".")
	if res.ExitCode == 0 {
		t.Fatal("packer build succeeded with a failing provisioner")
	}
	if !strings.Contains(res.Output, "Script exited with non-zero exit status: 3") {
		t.Error("packer's output does not give the script's exit status")
	}
	assertPackerGone(t, b)
	assertNoSandboxLeft(t, b.Cache)
	if _, err := os.Stat(filepath.Join(b.Dir, "output-fail")); !os.IsNotExist(err) {
		t.Errorf("the output folder is left: %v", err)
	}
}

// assertPackerGone waits a little for the plugin processes of b's packer to
// exit, and fails if any is left.
func assertPackerGone(t *testing.T, b *sandboxBuild) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		left = left[:0]
		procs, _ := os.ReadDir("/proc")
		for _, e := range procs {
			if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && strings.HasPrefix(exe, b.Packer.PluginDir) {
				if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == b.Dir {
					left = append(left, e.Name()+" "+exe)
				}
			}
		}
		if len(left) == 0 {
			return
		}
	}
	t.Errorf("plugin processes left: %v", left)
}

// TestSandboxRefusesWithoutRoot runs packer as nobody: the build refuses at
// once, saying that it needs root, and leaves nothing.
func TestSandboxRefusesWithoutRoot(t *testing.T) {
	b := newSandboxBuild(t, sandboxVars+`
source "golden-sandbox" "user" {
  rootfs_tarball = var.rootfs_tarball
  cache_dir      = var.cache_dir
}
build {
  sources = ["source.golden-sandbox.user"]
}
`)
	home := t.TempDir()
	// nobody must reach the template's folder (t.TempDir's parent is 0700).
	sandboxMust(t, os.Chmod(filepath.Dir(b.Dir), 0o711))
	for _, dir := range []string{b.Dir, home} {
		sandboxMust(t, os.Chmod(dir, 0o777))
	}
	cmd := b.Packer.Command(t.Context(), b.Dir, append(b.vars(t), "HOME="+home, "TMPDIR="+home), "build", "-color=false", ".")
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
	out, err := cmd.CombinedOutput()
	t.Logf("packer as nobody: %v\n%s", err, out)
	if err == nil {
		t.Fatal("packer build as nobody succeeded")
	}
	if !strings.Contains(string(out), "golden-sandbox needs root (it creates namespaces, mounts and a chroot), but packer runs as uid 65534") {
		t.Error("packer's output does not say that the build needs root")
	}
	assertNoSandboxLeft(t, b.Cache)
}
