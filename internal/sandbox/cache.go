package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Cache holds debootstrapped roots as zstd tarballs under Dir/rootfs, and
// debootstrap's package cache under Dir/debootstrap.
type Cache struct {
	Dir string
	Log io.Writer // debootstrap's output while building; nil discards it
}

// Rootfs returns the path of the cached tarball of spec's root, building it
// first if the cache has none. Concurrent callers, in this process or in
// others, build it once: the others wait for it.
func (c Cache) Rootfs(ctx context.Context, spec Spec) (string, error) {
	s, origin, err := spec.resolve()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(c.Dir, "rootfs")
	tarball := filepath.Join(dir, s.key()+".tar.zst")
	if _, err := os.Stat(tarball); err == nil {
		return tarball, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the rootfs cache: %w", err)
	}
	unlock, err := lock(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(tarball); err == nil {
		return tarball, nil // built while we waited
	}
	if err := c.build(ctx, s, origin, tarball); err != nil {
		return "", err
	}
	return tarball, nil
}

// lock takes an exclusive flock on path, waiting for it as long as ctx allows.
func lock(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the cache lock: %w", err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another build of the root to finish (%s): %w", path, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// manifest records what a cached tarball holds, next to it, for people.
type manifest struct {
	Suite    string    `json:"suite"`
	Mirror   string    `json:"mirror"`
	Variant  string    `json:"variant"`
	Include  []string  `json:"include"`
	Arch     string    `json:"arch"`
	Recipe   int       `json:"recipe"`
	Built    time.Time `json:"built"`
	Duration string    `json:"debootstrap_duration"`
}

// build debootstraps s and stores it at tarball. The caller holds the lock.
func (c Cache) build(ctx context.Context, s Spec, origin, tarball string) error {
	if err := needPrivileges(); err != nil {
		return err
	}
	if err := needTools("debootstrap", "zstd", "tar", "unshare"); err != nil {
		return err
	}
	if err := checkMirror(ctx, s, origin); err != nil {
		return err
	}
	dir := filepath.Dir(tarball)
	stale, _ := filepath.Glob(filepath.Join(dir, "build-*")) // the only error is a bad pattern
	for _, d := range stale {
		if err := RemoveTree(d); err != nil {
			return fmt.Errorf("removing a stale build: %w", err)
		}
	}
	work, err := os.MkdirTemp(dir, "build-*")
	if err != nil {
		return fmt.Errorf("creating a build dir: %w", err)
	}
	err = c.debootstrap(ctx, s, work, tarball)
	return errors.Join(err, RemoveTree(work))
}

func (c Cache) debootstrap(ctx context.Context, s Spec, work, tarball string) error {
	pkgs := filepath.Join(c.Dir, "debootstrap")
	if err := os.MkdirAll(pkgs, 0o755); err != nil {
		return fmt.Errorf("creating debootstrap's package cache: %w", err)
	}
	root := filepath.Join(work, "root")
	args := []string{
		// debootstrap mounts /proc and /sys in the root and runs maintainer
		// scripts: keep both from the host, even if it is killed half-way.
		"--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--uts", "--ipc",
		"debootstrap", "--variant=" + s.Variant, "--arch=" + s.Arch, "--cache-dir=" + pkgs,
	}
	if len(s.Include) > 0 {
		args = append(args, "--include="+strings.Join(s.Include, ","))
	}
	args = append(args, s.Suite, root, s.Mirror)
	start := time.Now()
	if err := run(ctx, c.Log, "unshare", args...); err != nil {
		return fmt.Errorf("debootstrap %s from %s failed: %w", s.Suite, s.Mirror, err)
	}
	took := time.Since(start).Round(time.Second)
	if err := finish(root); err != nil {
		return err
	}
	tmp := filepath.Join(work, "rootfs.tar.zst")
	if err := run(ctx, nil, "tar", "--numeric-owner", "--xattrs", "--xattrs-include=*",
		"--use-compress-program=zstd -3 -T0", "-cf", tmp, "-C", root, "."); err != nil {
		return fmt.Errorf("packing the root: %w", err)
	}
	m, err := json.MarshalIndent(manifest{
		Suite: s.Suite, Mirror: s.Mirror, Variant: s.Variant, Include: s.Include, Arch: s.Arch, Recipe: recipeVersion, Built: time.Now().UTC(), Duration: took.String()}, "", "  ")
	if err != nil {
		return err
	}
	manifestPath := strings.TrimSuffix(tarball, ".tar.zst") + ".json"
	if err := os.WriteFile(filepath.Join(work, "manifest.json"), append(m, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	if err := os.Rename(filepath.Join(work, "manifest.json"), manifestPath); err != nil {
		return fmt.Errorf("storing the manifest: %w", err)
	}
	if err := os.Rename(tmp, tarball); err != nil {
		return fmt.Errorf("storing the root in the cache: %w", err)
	}
	return nil
}

// finish prepares a fresh debootstrap root for caching.
func finish(root string) error {
	// Package scripts run later in the sandbox must start no services.
	if err := os.WriteFile(filepath.Join(root, "usr/sbin/policy-rc.d"), []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		return fmt.Errorf("writing policy-rc.d: %w", err)
	}
	// debootstrap copied the build host's name.
	if err := os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("localhost\n"), 0o644); err != nil {
		return fmt.Errorf("writing /etc/hostname: %w", err)
	}
	debs, _ := filepath.Glob(filepath.Join(root, "var/cache/apt/archives/*.deb")) // the only error is a bad pattern
	for _, deb := range debs {
		if err := os.Remove(deb); err != nil {
			return fmt.Errorf("emptying var/cache/apt/archives: %w", err)
		}
	}
	return nil
}

// checkMirror turns an unreachable mirror into an error that names it, before
// debootstrap buries the cause in its log.
func checkMirror(ctx context.Context, s Spec, origin string) error {
	release := s.Mirror + "/dists/" + s.Suite + "/Release"
	if path, ok := strings.CutPrefix(release, "file://"); ok {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("debian mirror %s (from %s) has no %s: %w: %s", s.Mirror, origin, path, err, mirrorHelp)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, release, nil)
	if err != nil {
		return fmt.Errorf("debian mirror %s (from %s): %w: %s", s.Mirror, origin, err, mirrorHelp)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("debian mirror %s (from %s) is unreachable: %w: %s", s.Mirror, origin, err, mirrorHelp)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("debian mirror %s (from %s) answered %s for %s: %s", s.Mirror, origin, resp.Status, release, mirrorHelp)
	}
	return nil
}
