package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

const capSysAdmin = 21 // linux/capability.h

// hostTools are the host commands a build runs, and the Debian package of each.
var hostTools = []struct{ name, pkg string }{
	{"chroot", "coreutils"},
	{"hostname", "hostname"},
	{"mount", "mount"},
	{"nsenter", "util-linux"},
	{"tar", "tar"},
	{"unshare", "util-linux"},
	{"zstd", "zstd"},
}

// hostProblems lists what this machine lacks to run c's build, each saying
// how to fix it. status is /proc/self/status; lookPath finds commands.
func hostProblems(c *Config, euid int, status string, lookPath func(string) (string, error)) []error {
	var errs []error
	if euid != 0 {
		errs = append(errs, fmt.Errorf("golden-sandbox needs root (it creates namespaces, mounts and a chroot), but packer runs as uid %d: run packer build as root, e.g. with sudo -E", euid))
	} else if caps, err := effectiveCaps(status); err != nil {
		errs = append(errs, err)
	} else if caps&(1<<capSysAdmin) == 0 {
		errs = append(errs, fmt.Errorf("golden-sandbox needs CAP_SYS_ADMIN, which this root process lacks (CapEff %016x): in a container, run it with --privileged", caps))
	}
	var missing, pkgs []string
	for _, t := range hostTools {
		if t.name == "zstd" && !needsZstd(c) {
			continue
		}
		if _, err := lookPath(t.name); err != nil {
			missing = append(missing, t.name)
			pkgs = append(pkgs, t.pkg)
		}
	}
	if c.Network == networkNone {
		if _, err := lookPath("ip"); err != nil {
			missing = append(missing, "ip")
			pkgs = append(pkgs, "iproute2")
		}
	}
	if len(missing) > 0 {
		slices.Sort(pkgs)
		errs = append(errs, fmt.Errorf("golden-sandbox needs %s, not found in PATH: install with `apt-get install %s`", strings.Join(missing, ", "), strings.Join(slices.Compact(pkgs), " ")))
	}
	return errs
}

// effectiveCaps reads CapEff from /proc/self/status.
func effectiveCaps(status string) (uint64, error) {
	for line := range strings.Lines(status) {
		if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("reading capabilities: CapEff in /proc/self/status: %w", err)
			}
			return caps, nil
		}
	}
	return 0, errors.New("reading capabilities: no CapEff in /proc/self/status: is /proc mounted?")
}

// checkHost returns hostProblems of this process, joined.
func checkHost(c *Config) error {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("reading capabilities: %w: is /proc mounted?", err)
	}
	return errors.Join(hostProblems(c, os.Geteuid(), string(status), exec.LookPath)...)
}

// needsZstd says whether c's build reads or writes zstd: the debootstrap
// cache, a .zst tarball, or tar.zst output.
func needsZstd(c *Config) bool {
	debootstrap := c.RootfsTarball == "" && c.RootfsDir == ""
	zstTarball := strings.HasSuffix(c.RootfsTarball, ".zst") || strings.HasSuffix(c.RootfsTarball, ".tzst")
	return debootstrap || zstTarball || c.OutputFormat == formatTarZst
}
