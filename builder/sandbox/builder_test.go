//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// newBuilder prepares a Builder on the rig's cache, which holds the default
// root, with its output in a fresh folder.
func newBuilder(t *testing.T, raw map[string]any) (*Builder, string) {
	t.Helper()
	sandboxtest.Rootfs(t) // the cached root, built once for the rig
	cache, err := rigpath.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "output")
	cfg := map[string]any{"packer_build_name": "test", "cache_dir": cache, "output_dir": out}
	for k, v := range raw {
		cfg[k] = v
	}
	b := new(Builder)
	if _, _, err := b.Prepare(cfg); err != nil {
		t.Fatal(err)
	}
	return b, out
}

// provision is a hook that runs script through the build's communicator and
// records the generated data it was given.
type provision struct {
	script string
	data   map[string]any
}

func (p *provision) Run(ctx context.Context, name string, ui packersdk.Ui, comm packersdk.Communicator, data any) error {
	if name != packersdk.HookProvision {
		return nil
	}
	p.data, _ = data.(map[string]any)
	cmd := &packersdk.RemoteCmd{Command: p.script}
	if err := cmd.RunWithUi(ctx, comm, ui); err != nil {
		return err
	}
	if code := cmd.ExitStatus(); code != 0 {
		return errors.New("the provisioning script failed")
	}
	return nil
}

func TestBuildFormats(t *testing.T) {
	for _, format := range []string{formatTarZst, formatTar, formatDir} {
		t.Run(format, func(t *testing.T) {
			b, out := newBuilder(t, map[string]any{
				"output_format": format, "hostname": "golden-test",
				"environment": map[string]string{"GREETING": "hello"},
			})
			hook := &provision{script: `set -e; [ "$(hostname)" = golden-test ]; echo "$GREETING" > /etc/built-by-test; [ -x /usr/sbin/policy-rc.d ]`}
			artifact, err := b.Run(t.Context(), packersdk.TestUi(t), hook)
			if err != nil {
				t.Fatal(err)
			}
			a := artifact.(*Artifact)
			root, _ := hook.data[genRoot].(string)
			assertGone(t, root)

			if a.Generated[genDigest] != a.Id() || a.Generated[genSuite] != "bookworm" || a.Generated[genOutput] != a.Path {
				t.Errorf("generated data %v does not match the artifact %+v", a.Generated, a)
			}
			if hook.data[genDigest] != digestPending || hook.data[genSuite] != "bookworm" {
				t.Errorf("provisioners saw generated data %v", hook.data)
			}
			sum, err := os.ReadFile(a.SumFile)
			must(t, err)
			check := exec.Command("sha256sum", "--strict", "-c", filepath.Base(a.SumFile))
			check.Dir = out
			if b, err := check.CombinedOutput(); err != nil {
				t.Errorf("sha256sum -c %s: %v\n%s", a.SumFile, err, b)
			}

			files := unpacked(t, a)
			if b, err := os.ReadFile(filepath.Join(files, "etc", "built-by-test")); err != nil || string(b) != "hello\n" {
				t.Errorf("the provisioner's file in the output: %q, %v", b, err)
			}
			if _, err := os.Lstat(filepath.Join(files, "usr", "sbin", "policy-rc.d")); !os.IsNotExist(err) {
				t.Errorf("the build's policy-rc.d is in the output: %v", err)
			}
			if format != formatDir && !strings.HasPrefix(string(sum), a.Digest+"  rootfs."+format+"\n") {
				t.Errorf("%s holds %q, want the digest %s", a.SumFile, sum, a.Digest)
			}
		})
	}
}

// unpacked returns a folder holding the artifact's root.
func unpacked(t *testing.T, a *Artifact) string {
	t.Helper()
	if a.Format == formatDir {
		return a.Path
	}
	dir := t.TempDir()
	if b, err := exec.Command("tar", "-xf", a.Path, "-C", dir, "./etc", "./usr/sbin").CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", a.Path, err, b)
	}
	return dir
}

func TestBuildFailureCleansUp(t *testing.T) {
	b, out := newBuilder(t, nil)
	hook := &provision{script: "echo failing; exit 1"}
	if _, err := b.Run(t.Context(), packersdk.TestUi(t), hook); err == nil {
		t.Fatal("the build succeeded with a failing provisioner")
	}
	root, _ := hook.data[genRoot].(string)
	assertGone(t, root)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the output folder is left: %v", err)
	}
}

func TestBuildCancelCleansUp(t *testing.T) {
	b, out := newBuilder(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The script starts a process group of its own, which Stop must also end.
	hook := &provision{script: "setsid sleep 300 & echo started; sleep 300"}
	ui := &watchUI{Ui: packersdk.TestUi(t), line: "started", seen: make(chan struct{})}
	go func() {
		<-ui.seen
		cancel()
	}()
	start := time.Now()
	_, err := b.Run(ctx, ui, hook)
	if err == nil {
		t.Fatal("a cancelled build succeeded")
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("the cancelled build took %s to end", took)
	}
	root, _ := hook.data[genRoot].(string)
	assertGone(t, root)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the output folder is left: %v", err)
	}
}

// watchUI closes seen once a line containing line is said.
type watchUI struct {
	packersdk.Ui
	line string
	seen chan struct{}
	once sync.Once
}

func (w *watchUI) Say(s string) {
	w.Ui.Say(s)
	if strings.Contains(s, w.line) {
		w.once.Do(func() { close(w.seen) })
	}
}

// assertGone checks that nothing of the sandbox in root is left: no folder,
// no process running in it, no mount below it.
func assertGone(t *testing.T, root string) {
	t.Helper()
	if root == "" {
		t.Fatal("the provisioners were not given SandboxRoot")
	}
	if _, err := os.Lstat(root); !os.IsNotExist(err) {
		t.Errorf("the sandbox root %s is left: %v", root, err)
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if link, err := os.Readlink(filepath.Join("/proc", e.Name(), "root")); err == nil && strings.HasPrefix(link, root) {
			t.Errorf("process %s still runs in %s", e.Name(), root)
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	must(t, err)
	if bytes.Contains(mounts, []byte(root)) {
		t.Errorf("mounts are left below %s", root)
	}
}
