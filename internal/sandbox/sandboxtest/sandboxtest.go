// Package sandboxtest starts sandboxes for tests: a fresh copy of the cached
// Debian root (debootstrapped on first use, about a minute), torn down by
// t.Cleanup. Tests fail, never skip, when the host cannot run a sandbox; the
// failure says how to fix it. With -short (make unit) they skip.
package sandboxtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox"
)

// SSH is a running sandbox with sshd on 127.0.0.1.
type SSH struct {
	*sandbox.Sandbox
	*sandbox.SSHD
}

// StartSSH starts a sandbox of the default Debian root with sshd on a free
// port of 127.0.0.1, logged in to as root with SSHD.PrivateKey.
func StartSSH(t testing.TB) *SSH {
	t.Helper()
	sb := Start(t, sandbox.Config{})
	d, err := sb.StartSSHD(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return &SSH{Sandbox: sb, SSHD: d}
}

// Start starts a sandbox of the default Debian root with cfg, whose Root and
// RemoveRoot it sets.
func Start(t testing.TB, cfg sandbox.Config) *sandbox.Sandbox {
	t.Helper()
	SkipIfShort(t)
	root, err := cache(t).NewRoot(t.Context(), sandbox.RootSource{}, "")
	if err != nil {
		t.Fatalf("the sandbox's Debian root: %v", err)
	}
	cfg.Root, cfg.RemoveRoot = root, true
	sb, err := sandbox.Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// t.Context() is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := sb.Stop(ctx); err != nil {
			t.Errorf("tearing down the sandbox: %v", err)
		}
	})
	return sb
}

// Rootfs returns the cached tarball of the default Debian root, building it
// if needed.
func Rootfs(t testing.TB) string {
	t.Helper()
	SkipIfShort(t)
	tarball, err := cache(t).Rootfs(t.Context(), sandbox.Spec{})
	if err != nil {
		t.Fatalf("the sandbox's Debian root: %v", err)
	}
	return tarball
}

// cache is the rig's cache, under rigpath.CacheDir().
func cache(t testing.TB) sandbox.Cache {
	t.Helper()
	dir, err := rigpath.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	// debootstrap's output explains the minute the first run takes.
	return sandbox.Cache{Dir: dir, Log: os.Stderr}
}

// SkipIfShort skips tests that need the sandbox rig (root, debootstrap, the
// cached root) when run with -short.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the sandbox rig (root, debootstrap): not run with -short")
	}
}
