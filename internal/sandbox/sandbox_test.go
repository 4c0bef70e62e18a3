package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/sandbox"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

func TestExec(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Config{Hostname: "exec-test"})
	tests := []struct {
		name       string
		argv, env  []string
		stdin      string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "exit code", argv: []string{"sh", "-c", "exit 3"}, wantCode: 3},
		{name: "root in /", argv: []string{"sh", "-c", "id -u; pwd"}, wantStdout: "0\n/\n"},
		{name: "hostname", argv: []string{"hostname"}, wantStdout: "exec-test\n"},
		{name: "own PID namespace", argv: []string{"sh", "-c", "ps -o comm= -p 1"}, wantStdout: "sh\n"},
		{name: "env without the host's", argv: []string{"sh", "-c", `echo "$FOO|$HOME|$GOPATH"`}, env: []string{"FOO=bar"}, wantStdout: "bar|/root|\n"},
		{name: "stdin to stdout, stderr apart", argv: []string{"sh", "-c", "cat; echo oops >&2"}, stdin: "hello", wantStdout: "hello", wantStderr: "oops\n"},
		{name: "signal", argv: []string{"sh", "-c", "kill -9 $$"}, wantCode: 128 + 9},
		{name: "missing command", argv: []string{"no-such-command"}, wantCode: 127},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code, err := sb.Exec(t.Context(), tt.argv, tt.env, strings.NewReader(tt.stdin), &stdout, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || stdout.String() != tt.wantStdout || (tt.wantStderr != "" && stderr.String() != tt.wantStderr) {
				t.Errorf("Exec(%q) = %d, stdout %q, stderr %q; want %d, %q, %q", tt.argv, code, &stdout, &stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}

	t.Run("capabilities", func(t *testing.T) {
		var out bytes.Buffer
		if _, err := sb.Exec(t.Context(), []string{"grep", "CapBnd", "/proc/self/status"}, nil, nil, &out, nil); err != nil {
			t.Fatal(err)
		}
		caps, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(out.String(), "CapBnd:")), 16, 64)
		if err != nil {
			t.Fatalf("parsing %q: %v", &out, err)
		}
		// linux/capability.h
		for name, bit := range map[string]int{"CAP_SYS_ADMIN": 21, "CAP_SYS_MODULE": 16, "CAP_SYS_TIME": 25, "CAP_NET_ADMIN": 12, "CAP_SYS_BOOT": 22} {
			if caps&(1<<bit) != 0 {
				t.Errorf("commands in the sandbox have %s", name)
			}
		}
		for name, bit := range map[string]int{"CAP_CHOWN": 0, "CAP_SETUID": 7, "CAP_SYS_CHROOT": 18, "CAP_AUDIT_CONTROL": 30} {
			if caps&(1<<bit) == 0 {
				t.Errorf("commands in the sandbox lack %s", name)
			}
		}
	})

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := sb.Exec(ctx, []string{"sleep", "60"}, nil, nil, nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
			t.Errorf("Exec(sleep 60) with a 300ms deadline = %v after %s; want DeadlineExceeded at once", err, time.Since(start))
		}
	})
}

func TestFiles(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Config{})
	if err := sb.MkdirAll("/srv/upload/deep", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := sb.OpenFile("/srv/upload/deep/file", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("uploaded"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out bytes.Buffer
	if code, err := sb.Exec(t.Context(), []string{"stat", "-c", "%a %U", "/srv/upload/deep/file"}, nil, nil, &out, &out); err != nil || code != 0 || out.String() != "640 root\n" {
		t.Errorf("stat of an uploaded file = %d, %v, %q; want 0, nil, \"640 root\"", code, err, &out)
	}

	// Symlinks resolve in the root, as inside the sandbox: never to the host.
	if _, err := sb.Exec(t.Context(), []string{"sh", "-c", "ln -s / /escape && ln -s ../../../.. /srv/up && echo sandbox >/tmp/marker"}, nil, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	hostMarker := filepath.Join(os.TempDir(), "marker")
	if _, err := os.Stat(hostMarker); err == nil {
		t.Fatalf("%s exists on the host before the test", hostMarker)
	}
	for _, name := range []string{"/escape/tmp/marker", "/srv/up/tmp/marker", "/../../tmp/marker"} {
		f, err := sb.OpenFile(name, os.O_RDONLY, 0)
		if err != nil {
			t.Errorf("OpenFile(%s): %v", name, err)
			continue
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "sandbox\n" {
			t.Errorf("OpenFile(%s) read %q, want the sandbox's /tmp/marker", name, b)
		}
	}

	// The sandbox's private /run is visible, unlike through the root directory.
	if _, err := sb.Exec(t.Context(), []string{"sh", "-c", "echo private >/run/x"}, nil, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := sb.OpenFile("/run/x", os.O_RDONLY, 0); err != nil {
		t.Errorf("OpenFile(/run/x): %v", err)
	} else {
		f.Close()
	}
	if _, err := os.Stat(filepath.Join(sb.Root(), "run/x")); err == nil {
		t.Errorf("/run/x of the sandbox is in the root directory: /run is not private")
	}
}

func TestStopTwice(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Config{})
	for range 2 {
		if err := sb.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(sb.Root()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("root %s after Stop: %v, want it removed", sb.Root(), err)
	}
	if _, err := sb.Exec(t.Context(), []string{"true"}, nil, nil, nil, nil); !errors.Is(err, sandbox.ErrStopped) {
		t.Errorf("Exec after Stop = %v, want ErrStopped", err)
	}
}

func TestStartFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	sandboxtest.SkipIfShort(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, root string) sandbox.Config
		wantErr string
	}{
		{
			name:    "empty root: init.sh fails after mounting",
			prepare: func(*testing.T, string) sandbox.Config { return sandbox.Config{} },
			wantErr: "chroot: failed to run command '/bin/sh'",
		},
		{
			name: "no setpriv: fails once PID 1 runs",
			prepare: func(t *testing.T, root string) sandbox.Config {
				if err := sandbox.Unpack(t.Context(), sandboxtest.Rootfs(t), root); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(filepath.Join(root, "usr/bin/setpriv")); err != nil {
					t.Fatal(err)
				}
				return sandbox.Config{}
			},
			wantErr: "the root needs /bin/sh, sleep and util-linux's /usr/bin/setpriv",
		},
		{
			name: "missing bind source",
			prepare: func(*testing.T, string) sandbox.Config {
				return sandbox.Config{Binds: []sandbox.Bind{{Source: "/nonexistent", Target: "/mnt"}}}
			},
			wantErr: "bind mount source: stat /nonexistent",
		},
		{
			name: "bind target through a symlink",
			prepare: func(t *testing.T, root string) sandbox.Config {
				if err := os.Symlink("/etc", filepath.Join(root, "link")); err != nil {
					t.Fatal(err)
				}
				return sandbox.Config{Binds: []sandbox.Bind{{Source: t.TempDir(), Target: "/link/x"}}}
			},
			wantErr: "/link is a symlink in the root",
		},
		{
			name:    "unknown network",
			prepare: func(*testing.T, string) sandbox.Config { return sandbox.Config{Network: "bridge"} },
			wantErr: `sandbox network "bridge"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := sandbox.TempRoot("")
			if err != nil {
				t.Fatal(err)
			}
			cfg := tt.prepare(t, root)
			cfg.Root, cfg.RemoveRoot = root, true
			sb, err := sandbox.Start(t.Context(), cfg)
			if err == nil {
				_ = sb.Stop(t.Context())
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Start = %v, want an error containing %q", err, tt.wantErr)
			}
			if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("root %s left: %v", root, err)
				_ = sandbox.RemoveTree(root)
			}
			if pids := processesUnder(root); len(pids) > 0 {
				t.Errorf("processes %v left in %s", pids, root)
			}
			mountinfo, _ := os.ReadFile("/proc/self/mountinfo")
			if strings.Contains(string(mountinfo), root) {
				t.Errorf("mounts left under %s:\n%s", root, mountinfo)
			}
		})
	}
}

func TestNetworkNone(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Config{Network: sandbox.NetworkNone})
	var out bytes.Buffer
	if code, err := sb.Exec(t.Context(), []string{"sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/operstate"}, nil, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("listing interfaces: %d, %v: %s", code, err, &out)
	}
	if out.String() != "lo\nunknown\n" { // loopback reports "unknown" when up
		t.Errorf("interfaces in a NetworkNone sandbox: %q, want only lo, up", &out)
	}
	if _, err := sb.StartSSHD(t.Context(), 0); err == nil || !strings.Contains(err.Error(), "needs NetworkHost") {
		t.Errorf("StartSSHD with NetworkNone = %v, want an error", err)
	}
}

func TestBinds(t *testing.T) {
	t.Parallel()
	ro, rw := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(ro, "in"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, sandbox.Config{Binds: []sandbox.Bind{
		{Source: ro, Target: "/mnt/ro"},
		{Source: rw, Target: "/srv/rw", Writable: true},
	}})
	var out bytes.Buffer
	script := "cat /mnt/ro/in; touch /mnt/ro/x 2>/dev/null || echo read-only; echo out >/srv/rw/out"
	if code, err := sb.Exec(t.Context(), []string{"sh", "-c", script}, nil, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("%s: %d, %v: %s", script, code, err, &out)
	}
	if want := "from the host\nread-only\n"; out.String() != want {
		t.Errorf("%s: %q, want %q", script, &out, want)
	}
	if b, err := os.ReadFile(filepath.Join(rw, "out")); err != nil || string(b) != "out\n" {
		t.Errorf("writable bind: %q, %v", b, err)
	}
}
