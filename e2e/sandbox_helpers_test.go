package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// sandboxBuild is a folder holding one golden-sandbox template, and a cache
// folder of its own, so that what a build leaves there is this test's.
type sandboxBuild struct {
	Packer *packertest.Packer
	Dir    string // the template's folder, packer's working directory
	Cache  string // the template's cache_dir
}

// newSandboxBuild writes template (after its packer block) into a new folder.
// Templates declare the variables rootfs_tarball and cache_dir, which vars sets.
func newSandboxBuild(t *testing.T, template string) *sandboxBuild {
	t.Helper()
	sandboxtest.SkipIfShort(t)
	b := &sandboxBuild{Packer: packertest.New(t), Dir: t.TempDir(), Cache: filepath.Join(t.TempDir(), "cache")}
	if err := os.WriteFile(filepath.Join(b.Dir, "build.pkr.hcl"), []byte(requiredPlugins("golden")+template), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// vars start the build from the rig's cached root, as a tarball: no
// debootstrap, and the build's working root in b.Cache.
func (b *sandboxBuild) vars(t *testing.T) []string {
	t.Helper()
	return []string{"PKR_VAR_rootfs_tarball=" + sandboxtest.Rootfs(t), "PKR_VAR_cache_dir=" + b.Cache}
}

// sandboxVars declares what vars sets.
const sandboxVars = `
variable "rootfs_tarball" {
  type = string
}
variable "cache_dir" {
  type = string
}
`

// assertNoSandboxLeft checks that no build left a sandbox under cache: no
// working root, no process running in one, no mount below the cache.
func assertNoSandboxLeft(t *testing.T, cache string) {
	t.Helper()
	work := filepath.Join(cache, "work")
	if entries, err := os.ReadDir(work); err == nil && len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left in %s: %s", work, strings.Join(names, ", "))
	}
	procs, _ := os.ReadDir("/proc")
	for _, e := range procs {
		root, err := os.Readlink(filepath.Join("/proc", e.Name(), "root"))
		if err == nil && strings.HasPrefix(root, cache) {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			t.Errorf("process %s (%s) still runs in %s", e.Name(), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}), root)
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(mounts, []byte(cache)) {
		t.Errorf("mounts are left below %s", cache)
	}
}
