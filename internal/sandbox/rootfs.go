package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// recipeVersion names the steps that turn debootstrap's output into a cached
// root (finish); change it whenever they change, so old tarballs are not used.
const recipeVersion = 1

// Spec says which Debian root to debootstrap. Zero fields take the defaults.
type Spec struct {
	Suite   string   // "bookworm" by default
	Mirror  string   // $GOLDEN_DEBIAN_MIRROR, else the host's APT sources
	Variant string   // "minbase" by default
	Include []string // nil means openssh-server, sudo and procps
	Arch    string   // the host's Debian architecture by default
}

// debianArch maps GOARCH to Debian's architecture names.
var debianArch = map[string]string{
	"amd64": "amd64", "arm64": "arm64", "386": "i386", "ppc64le": "ppc64el",
	"s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64el", "loong64": "loong64",
}

var debianName = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

const mirrorHelp = "set GOLDEN_DEBIAN_MIRROR (or the mirror option) to a reachable Debian mirror, e.g. http://deb.debian.org/debian"

// resolve fills in the defaults and normalises s, so equal roots get equal
// keys. It also says where the mirror came from, for error messages.
func (s Spec) resolve() (Spec, string, error) {
	origin := "the configuration"
	s.Include = slices.Clone(s.Include)
	if s.Suite == "" {
		s.Suite = "bookworm"
	}
	if s.Variant == "" {
		s.Variant = "minbase"
	}
	if s.Include == nil {
		s.Include = []string{"openssh-server", "sudo", "procps"}
	}
	if s.Arch == "" {
		s.Arch = debianArch[runtime.GOARCH]
		if s.Arch == "" {
			return Spec{}, "", fmt.Errorf("no Debian architecture known for GOARCH %s: set the architecture", runtime.GOARCH)
		}
	}
	if s.Mirror == "" {
		s.Mirror, origin = os.Getenv("GOLDEN_DEBIAN_MIRROR"), "GOLDEN_DEBIAN_MIRROR"
	}
	if s.Mirror == "" {
		var err error
		if s.Mirror, origin, err = hostMirror(os.DirFS("/"), s.Suite); err != nil {
			return Spec{}, "", err
		}
	}
	s.Mirror = strings.TrimRight(s.Mirror, "/")
	if u, err := url.Parse(s.Mirror); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") || strings.ContainsAny(s.Mirror, " \t\n") {
		return Spec{}, "", fmt.Errorf("debian mirror %q (%s) is not an http, https or file URL: %s", s.Mirror, origin, mirrorHelp)
	}
	for _, f := range [][2]string{{"suite", s.Suite}, {"variant", s.Variant}, {"architecture", s.Arch}} {
		if !debianName.MatchString(f[1]) {
			return Spec{}, "", fmt.Errorf("debootstrap %s %q is not a Debian name (lowercase letters, digits, . + -)", f[0], f[1])
		}
	}
	slices.Sort(s.Include)
	s.Include = slices.Compact(s.Include)
	for _, p := range s.Include {
		if !debianName.MatchString(p) {
			return Spec{}, "", fmt.Errorf("debootstrap include %q is not a Debian package name", p)
		}
	}
	return s, origin, nil
}

// key names the cached tarball of a resolved Spec: a sha256 of every input.
func (s Spec) key() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "recipe=%d\nsuite=%s\nmirror=%s\nvariant=%s\ninclude=%s\narch=%s\n",
		recipeVersion, s.Suite, s.Mirror, s.Variant, strings.Join(s.Include, ","), s.Arch))
	return hex.EncodeToString(sum[:])
}

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

// RootSource says where a sandbox's root comes from: a tarball, a directory,
// or else (both empty) the cached debootstrap of Spec.
type RootSource struct {
	Tarball string // a root filesystem tarball, compressed or not
	Dir     string // a root filesystem directory, copied
	Spec    Spec
}

// NewRoot makes a fresh root from src in a new TempRoot(parent), building the
// cached root first if needed. Start it with Config.RemoveRoot, or remove it
// with RemoveTree.
func (c Cache) NewRoot(ctx context.Context, src RootSource, parent string) (string, error) {
	if src.Tarball != "" && src.Dir != "" {
		return "", errors.New("a sandbox root comes from a tarball or a directory, not both")
	}
	if err := needPrivileges(); err != nil { // to keep owners and device nodes
		return "", err
	}
	fill := func(root string) error { return CopyTree(ctx, src.Dir, root) }
	if src.Dir == "" {
		tarball := src.Tarball
		if tarball == "" {
			var err error
			if tarball, err = c.Rootfs(ctx, src.Spec); err != nil {
				return "", err
			}
		}
		fill = func(root string) error { return Unpack(ctx, tarball, root) }
	}
	root, err := TempRoot(parent)
	if err != nil {
		return "", err
	}
	if err := fill(root); err != nil {
		return "", errors.Join(err, RemoveTree(root))
	}
	return root, nil
}

// Unpack extracts a root filesystem tarball into dir, with any compression
// tar recognises (zstd, gzip, xz, …).
func Unpack(ctx context.Context, tarball, dir string) error {
	if err := needTools("tar"); err != nil {
		return err
	}
	if err := run(ctx, nil, "tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xpf", tarball, "-C", dir); err != nil {
		return fmt.Errorf("unpacking %s: %w", tarball, err)
	}
	return nil
}

// CopyTree copies a root filesystem directory into dir, keeping owners,
// modes, links and extended attributes.
func CopyTree(ctx context.Context, src, dir string) error {
	if err := needTools("cp"); err != nil {
		return err
	}
	if err := run(ctx, nil, "cp", "-a", "--reflink=auto", filepath.Clean(src)+"/.", dir); err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return nil
}
