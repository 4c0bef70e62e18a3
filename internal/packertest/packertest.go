// Package packertest runs the pinned packer binary, with this repository's plugin
// built from the working tree and the pinned hashicorp/amazon plugin, for end-to-end tests.
package packertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
)

// PluginAddress is the source address users write in required_plugins.
const PluginAddress = "github.com/goldenami/golden"

// Packer runs packer with a private plugin dir holding golden (built from source) and amazon.
type Packer struct {
	Bin       string // the packer binary
	PluginDir string // PACKER_PLUGIN_PATH
	Env       []string
}

var (
	installOnce sync.Once
	installed   string
	installErr  error
)

// New returns a Packer whose plugin dir holds this tree's plugin, built once per test binary.
// It fails the test, saying how to fix it, when the pinned tools are missing.
func New(t testing.TB) *Packer {
	t.Helper()
	tools, err := rigpath.FindTools()
	if err != nil {
		t.Fatal(err)
	}
	installOnce.Do(func() { installed, installErr = install(tools) })
	if installErr != nil {
		t.Fatal(installErr)
	}
	return &Packer{Bin: tools.Packer, PluginDir: installed}
}

// install builds the plugin and installs it, beside a link to the amazon plugin, into a
// plugin dir named by the binary's digest, so test binaries running at once share it.
func install(tools rigpath.Tools) (string, error) {
	root, err := rigpath.RepoRoot()
	if err != nil {
		return "", err
	}
	cache, err := rigpath.CacheDir()
	if err != nil {
		return "", err
	}
	amazon := filepath.Join(tools.PluginDir, "github.com", "hashicorp", "amazon")
	if _, err := os.Stat(amazon); err != nil {
		return "", fmt.Errorf("the amazon plugin is not installed in %s: run `make tools`", tools.PluginDir)
	}
	base := filepath.Join(cache, "test-plugins")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(base, "tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "packer-plugin-golden")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the plugin: %w\n%s", err, out)
	}
	sum, err := fileDigest(bin)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, sum[:16])
	if _, err := os.Stat(dir); err == nil {
		now := time.Now()
		return dir, os.Chtimes(dir, now, now) // keeps pruneStale off a build in use
	}
	plugins := filepath.Join(tmp, "plugins")
	if err := linkTree(amazon, filepath.Join(plugins, "github.com", "hashicorp", "amazon")); err != nil {
		return "", fmt.Errorf("linking the amazon plugin: %w", err)
	}
	inst := exec.Command(tools.Packer, "plugins", "install", "--path", bin, PluginAddress)
	inst.Env = append(os.Environ(), "PACKER_PLUGIN_PATH="+plugins, "CHECKPOINT_DISABLE=1")
	if out, err := inst.CombinedOutput(); err != nil {
		return "", fmt.Errorf("installing the plugin: %w\n%s", err, out)
	}
	pruneStale(base, time.Now().Add(-24*time.Hour))
	// Another test binary may have installed the same build meanwhile: either copy serves.
	if err := os.Rename(plugins, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr != nil {
			return "", fmt.Errorf("installing the plugin: %w", err)
		}
	}
	return dir, nil
}

// linkTree hard-links the files of dir into a new folder to (packer does not follow
// a symlinked plugin folder, and a copy would cost 130 MB per build).
func linkTree(dir, to string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Link(filepath.Join(dir, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pruneStale removes plugin dirs of builds last installed before cutoff.
func pruneStale(base string, cutoff time.Time) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}

// Result is what a packer run printed and how it ended.
type Result struct {
	Output   string // stdout and stderr interleaved
	ExitCode int
	Duration time.Duration
}

// withoutAWS drops the caller's AWS_ variables: a test's packer must reach the
// local stand-ins only, never an account a profile or role points to.
func withoutAWS(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// Command prepares `packer args...` in dir with the plugin dir, p.Env and env, and no other AWS_ variable.
// It runs in its own process group, so a test can SIGINT the group as Ctrl-C does.
func (p *Packer) Command(ctx context.Context, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.Bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(append(withoutAWS(os.Environ()),
		"PACKER_PLUGIN_PATH="+p.PluginDir,
		"CHECKPOINT_DISABLE=1",
		"PACKER_NO_COLOR=1",
	), p.Env...), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// Run runs packer to completion, logging its output to the test, and returns the result.
func (p *Packer) Run(t testing.TB, ctx context.Context, dir string, env []string, args ...string) Result {
	t.Helper()
	var out bytes.Buffer
	cmd := p.Command(ctx, dir, env, args...)
	cmd.Stdout = io.MultiWriter(&out, &testWriter{t: t})
	cmd.Stderr = cmd.Stdout
	start := time.Now()
	err := cmd.Run()
	res := Result{Output: out.String(), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("running packer %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// testWriter streams packer's output into the test log, one line per entry.
type testWriter struct {
	t       testing.TB
	partial []byte
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		line, rest, ok := bytes.Cut(w.partial, []byte("\n"))
		if !ok {
			return len(b), nil
		}
		w.t.Logf("packer: %s", line)
		w.partial = rest
	}
}
