package e2e

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
)

// A debootstrapped build, without rootfs_tarball.
const sandboxCacheTemplate = `
variable "cache_dir" {
  type = string
}

source "golden-sandbox" "cache" {
  cache_dir     = var.cache_dir
  output_format = "tar"
}

build {
  sources = ["source.golden-sandbox.cache"]
  provisioner "shell" {
    inline = ["echo debian $(cat /etc/debian_version)"]
  }
}
`

// TestSandboxCacheHit builds twice with an empty cache: the first build
// debootstraps and caches the root, the second starts from the cache.
// debootstrap's package cache is seeded from the rig's, so that the first
// build runs debootstrap without downloading every package again.
func TestSandboxCacheHit(t *testing.T) {
	b := newSandboxBuild(t, sandboxCacheTemplate)
	seedPackages(t, filepath.Join(b.Cache, "debootstrap"))
	env := []string{"PKR_VAR_cache_dir=" + b.Cache}

	cold := b.Packer.Run(t, t.Context(), b.Dir, env, "build", "-color=false", ".")
	if cold.ExitCode != 0 {
		t.Fatalf("the first build exited %d", cold.ExitCode)
	}
	if !strings.Contains(cold.Output, "running debootstrap") {
		t.Error("the first build did not debootstrap")
	}
	tarballs, _ := filepath.Glob(filepath.Join(b.Cache, "rootfs", "*.tar.zst"))
	if len(tarballs) != 1 {
		t.Fatalf("the cache holds %v, want one root", tarballs)
	}

	warm := b.Packer.Run(t, t.Context(), b.Dir, env, "build", "-color=false", "-force", ".")
	if warm.ExitCode != 0 {
		t.Fatalf("the second build exited %d", warm.ExitCode)
	}
	if !strings.Contains(warm.Output, "from the cache") || strings.Contains(warm.Output, "running debootstrap") {
		t.Error("the second build did not start from the cache")
	}
	if again, _ := filepath.Glob(filepath.Join(b.Cache, "rootfs", "*.tar.zst")); len(again) != 1 || again[0] != tarballs[0] {
		t.Errorf("after the second build the cache holds %v, want %s only", again, tarballs[0])
	}
	t.Logf("cold build %s (root ready in %s); warm build %s (root ready in %s)",
		cold.Duration.Round(100e6), rootReady(cold.Output), warm.Duration.Round(100e6), rootReady(warm.Output))
	if warm.Duration*3 > cold.Duration {
		t.Errorf("the warm build (%s) is not much faster than the cold one (%s)", warm.Duration, cold.Duration)
	}
	assertNoSandboxLeft(t, b.Cache)
}

var rootReadyLine = regexp.MustCompile(`Root ready in (\S+?)[,:]? `)

// rootReady is how long the build said its root took.
func rootReady(output string) string {
	if m := rootReadyLine.FindStringSubmatch(output); m != nil {
		return m[1]
	}
	return "?"
}

// seedPackages fills dir with the .deb files the rig's debootstrap cached.
func seedPackages(t *testing.T, dir string) {
	t.Helper()
	cache, err := rigpath.CacheDir()
	sandboxMust(t, err)
	debs, _ := filepath.Glob(filepath.Join(cache, "debootstrap", "*.deb"))
	sandboxMust(t, os.MkdirAll(dir, 0o755))
	for _, deb := range debs {
		to := filepath.Join(dir, filepath.Base(deb))
		if os.Link(deb, to) == nil {
			continue
		}
		sandboxMust(t, copyFile(deb, to))
	}
	t.Logf("seeded debootstrap's package cache with %d packages", len(debs))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	return err
}
