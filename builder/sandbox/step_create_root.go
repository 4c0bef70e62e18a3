//go:build linux

package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	nsbox "github.com/goldenami/packer-plugin-golden/internal/sandbox"
)

// stepCreateRoot makes the build's root in cache_dir/work: from the cached
// debootstrap (building it on a miss), a tarball or a directory. Cleanup
// removes it unless packing moved it into the output.
type stepCreateRoot struct {
	config *Config
	ui     packersdk.Ui
	dir    string
}

// policyRC keeps package scripts run in the sandbox from starting services
// (see invoke-rc.d(8)); the sandbox is not a booted machine.
const policyRC = "#!/bin/sh\nexit 101\n"

func (s *stepCreateRoot) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	work := filepath.Join(s.config.CacheDir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return halt(state, s.ui, fmt.Errorf("creating the work directory: %w: set cache_dir to a directory root can write", err))
	}
	src := nsbox.RootSource{Tarball: s.config.RootfsTarball, Dir: s.config.RootfsDir}
	switch {
	case src.Tarball != "":
		s.ui.Say(fmt.Sprintf("Unpacking the root from %s...", src.Tarball))
	case src.Dir != "":
		s.ui.Say(fmt.Sprintf("Copying the root from %s...", src.Dir))
	default:
		src.Spec = nsbox.Spec{Suite: s.config.Suite, Mirror: s.config.Mirror, Variant: s.config.Variant, Include: s.config.include()}
		s.ui.Say(fmt.Sprintf("Preparing a Debian %s root (%s, with %s)...", s.config.Suite, s.config.Variant, strings.Join(src.Spec.Include, ", ")))
	}
	dlog := &debootstrapLog{ui: s.ui}
	start := time.Now()
	dir, err := nsbox.Cache{Dir: s.config.CacheDir, Log: dlog}.NewRoot(ctx, src, work)
	if err != nil {
		return halt(state, s.ui, fmt.Errorf("preparing the sandbox root: %w", err))
	}
	s.dir = dir
	took := time.Since(start).Round(10 * time.Millisecond)
	switch {
	case dlog.started():
		s.ui.Say(fmt.Sprintf("Root ready in %s: debootstrapped, and cached in %s for the next build", took, s.config.CacheDir))
	case src.Tarball == "" && src.Dir == "":
		s.ui.Say(fmt.Sprintf("Root ready in %s, from the cache in %s", took, s.config.CacheDir))
	default:
		s.ui.Say(fmt.Sprintf("Root ready in %s", took))
	}

	root := &workRoot{Dir: dir, Suite: s.config.Suite}
	if root.Suite == "" {
		root.Suite = codename(dir)
	}
	if root.OwnPolicyRC, err = ensurePolicyRC(dir); err != nil {
		return halt(state, s.ui, err)
	}
	keyRoot.put(state, root)
	return multistep.ActionContinue
}

func (s *stepCreateRoot) Cleanup(multistep.StateBag) {
	if s.dir == "" {
		return
	}
	if _, err := os.Lstat(s.dir); errors.Is(err, fs.ErrNotExist) {
		return // packed as the output directory
	}
	if err := nsbox.RemoveTree(s.dir); err != nil {
		s.ui.Error(fmt.Sprintf("removing the sandbox root: %v", err))
	}
}

// codename is VERSION_CODENAME of the root's os-release, or "" if it has none.
func codename(dir string) string {
	f, err := os.OpenInRoot(dir, "etc/os-release") // its symlinks resolve inside the root
	if err != nil {
		f, err = os.OpenInRoot(dir, "usr/lib/os-release")
	}
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VERSION_CODENAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// ensurePolicyRC puts policyRC in the root unless it has a policy-rc.d, and
// says whether the one there now is the builder's: the cache's roots carry it.
func ensurePolicyRC(dir string) (own bool, err error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return false, fmt.Errorf("opening the sandbox root: %w", err)
	}
	defer r.Close()
	const name = "usr/sbin/policy-rc.d"
	b, err := r.ReadFile(name)
	switch {
	case err == nil:
		return string(b) == policyRC, nil
	case errors.Is(err, fs.ErrNotExist):
		if err := r.WriteFile(name, []byte(policyRC), 0o755); err != nil {
			return false, fmt.Errorf("writing /%s in the sandbox root: %w", name, err)
		}
		return true, nil
	default:
		return false, fmt.Errorf("reading /%s in the sandbox root: %w", name, err)
	}
}

// removePolicyRC removes the builder's policy-rc.d, unless a provisioner changed it.
func removePolicyRC(dir string) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("opening the sandbox root: %w", err)
	}
	defer r.Close()
	const name = "usr/sbin/policy-rc.d"
	if b, err := r.ReadFile(name); err != nil || string(b) != policyRC {
		return nil
	}
	if err := r.Remove(name); err != nil {
		return fmt.Errorf("removing /%s from the root: %w", name, err)
	}
	return nil
}

// debootstrapLog takes debootstrap's output: it says once on the UI that a
// debootstrap runs, and sends every line to Packer's log (PACKER_LOG=1).
type debootstrapLog struct {
	ui      packersdk.Ui
	mu      sync.Mutex
	wrote   bool
	partial []byte
}

func (d *debootstrapLog) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.wrote {
		d.wrote = true
		d.ui.Say("No cached root for these settings: running debootstrap (about a minute, once; PACKER_LOG=1 shows its output)...")
	}
	d.partial = append(d.partial, p...)
	for {
		line, rest, ok := bytes.Cut(d.partial, []byte("\n"))
		if !ok {
			return len(p), nil
		}
		log.Printf("debootstrap: %s", line)
		d.partial = rest
	}
}

func (d *debootstrapLog) started() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.wrote
}
