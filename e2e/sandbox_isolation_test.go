package e2e

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// isolationSysctls are the kernel parameters the template sets to other
// values than the host has, every way it can.
var isolationSysctls = []string{"kernel.dmesg_restrict", "fs.protected_symlinks", "net.ipv4.ip_forward", "kernel.kptr_restrict", "vm.swappiness"}

// A template that tries to change the host from inside the sandbox, and
// prints the exit code of each attempt.
const sandboxIsolationTemplate = sandboxVars + `
variable "sysctl_conf" {
  type = string
}
variable "sysctl_args" {
  type = string
}
variable "host_dir" {
  type = string
}

source "golden-sandbox" "iso" {
  rootfs_tarball = var.rootfs_tarball
  cache_dir      = var.cache_dir
  bind_mounts    = ["${var.host_dir}:/mnt/host"]
  output_format  = "tar"
}

build {
  sources = ["source.golden-sandbox.iso"]

  provisioner "shell" {
    inline = [
      "set +e",
      "printf '%s' '${var.sysctl_conf}' > /etc/sysctl.d/99-golden-isolation.conf",
      "sysctl --system >/dev/null 2>&1; echo attempt sysctl-system=$?",
      "sysctl -w ${var.sysctl_args} >/dev/null 2>&1; echo attempt sysctl-w=$?",
      "echo 1 > /proc/sys/kernel/kptr_restrict 2>/dev/null; echo attempt proc-sys-write=$?",
      "mount -o remount,rw /proc/sys 2>/dev/null; echo attempt remount-proc-sys=$?",
      "mount -t tmpfs golden-iso /mnt 2>/dev/null; echo attempt mount=$?",
      "umount -l /proc 2>/dev/null; echo attempt umount-proc=$?",
      "hostname golden-evil 2>/dev/null; echo attempt hostname=$?",
      "touch /mnt/host/written 2>/dev/null; echo attempt write-read-only-bind=$?",
      "date -s @0 >/dev/null 2>&1; echo attempt set-clock=$?",
      "swapoff -a 2>/dev/null; echo attempt swapoff=$?",
      "echo changed > /etc/golden-isolation; echo attempt write-etc=$?",
    ]
  }
}
`

func TestSandboxIsolation(t *testing.T) {
	b := newSandboxBuild(t, sandboxIsolationTemplate)
	hostDir := t.TempDir()
	sandboxMust(t, os.WriteFile(filepath.Join(hostDir, "kept"), []byte("host\n"), 0o644))

	sysctls := readSysctls(t)
	t.Cleanup(func() { restoreSysctls(t, sysctls) })
	var conf, args []string
	for _, name := range isolationSysctls {
		other := otherValue(sysctls[name])
		conf = append(conf, fmt.Sprintf("%s = %s", name, other))
		args = append(args, name+"="+other)
	}
	etc := snapshot(t, "/etc")
	mounts := mountPoints(t)
	hostname, err := os.Hostname()
	sandboxMust(t, err)
	links := interfaces(t)
	before := time.Now().Round(0)

	env := append(b.vars(t),
		"PKR_VAR_sysctl_conf="+strings.Join(conf, "\n")+"\n",
		"PKR_VAR_sysctl_args="+strings.Join(args, " "),
		"PKR_VAR_host_dir="+hostDir,
	)
	res := b.Packer.Run(t, t.Context(), b.Dir, env, "build", "-color=false", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer build exited %d", res.ExitCode)
	}

	// Inside, every attempt on the host's kernel fails; writing the image works.
	attempts := map[string]string{}
	for _, m := range regexp.MustCompile(`attempt ([a-z-]+)=(\d+)`).FindAllStringSubmatch(res.Output, -1) {
		attempts[m[1]] = m[2]
	}
	t.Logf("exit codes of the attempts inside the sandbox: %v", attempts)
	for _, name := range []string{"sysctl-w", "proc-sys-write", "remount-proc-sys", "mount", "umount-proc", "hostname", "write-read-only-bind", "set-clock"} {
		if code, ok := attempts[name]; !ok || code == "0" {
			t.Errorf("attempt %s inside the sandbox: exit %q, want a failure", name, code)
		}
	}
	if attempts["write-etc"] != "0" {
		t.Errorf("writing the image's /etc failed: exit %q", attempts["write-etc"])
	}

	// The host is as it was.
	if diff := cmp.Diff(sysctls, readSysctls(t)); diff != "" {
		t.Errorf("host kernel parameters changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(etc, snapshot(t, "/etc")); diff != "" {
		t.Errorf("host /etc changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(mounts, mountPoints(t)); diff != "" {
		t.Errorf("host mounts changed (-before +after):\n%s", diff)
	}
	if now, _ := os.Hostname(); now != hostname {
		t.Errorf("host name changed from %s to %s", hostname, now)
	}
	if diff := cmp.Diff(links, interfaces(t)); diff != "" {
		t.Errorf("host network interfaces changed (-before +after):\n%s", diff)
	}
	// Wall clocks, without the monotonic reading that would hide a jump.
	if after := time.Now().Round(0); after.Before(before) || after.Sub(before) > time.Hour {
		t.Errorf("the host clock moved from %s to %s", before, after)
	}
	if entries, _ := os.ReadDir(hostDir); len(entries) != 1 {
		t.Errorf("the read-only bind mount's source changed: %v", entries)
	}

	// The image got the persistent configuration.
	files := t.TempDir()
	tarball := filepath.Join(b.Dir, "output-iso", "rootfs.tar")
	if o, err := exec.Command("tar", "-xf", tarball, "-C", files, "./etc/sysctl.d/99-golden-isolation.conf", "./etc/golden-isolation").CombinedOutput(); err != nil {
		t.Fatalf("unpacking the artifact: %v\n%s", err, o)
	}
	if got, _ := os.ReadFile(filepath.Join(files, "etc/sysctl.d/99-golden-isolation.conf")); string(got) != strings.Join(conf, "\n")+"\n" {
		t.Errorf("the image's sysctl.d file holds %q", got)
	}
	assertNoSandboxLeft(t, b.Cache)
}

func readSysctls(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range isolationSysctls {
		b, err := os.ReadFile(sysctlPath(name))
		sandboxMust(t, err)
		out[name] = strings.TrimSpace(string(b))
	}
	return out
}

// restoreSysctls puts back values a failure of isolation changed.
func restoreSysctls(t *testing.T, want map[string]string) {
	for name, v := range want {
		if b, err := os.ReadFile(sysctlPath(name)); err == nil && strings.TrimSpace(string(b)) != v {
			t.Logf("restoring %s = %s on the host", name, v)
			_ = os.WriteFile(sysctlPath(name), []byte(v), 0o644)
		}
	}
}

func sysctlPath(name string) string { return "/proc/sys/" + strings.ReplaceAll(name, ".", "/") }

// otherValue is a valid value for the sysctls above that differs from v.
func otherValue(v string) string {
	switch v {
	case "0":
		return "1"
	case "1":
		return "0"
	default:
		return "1"
	}
}

// snapshot records every file below dir: type, mode, owner, size, content digest.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: the same before and after
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err == nil {
				desc += fmt.Sprintf(" %d %x", len(b), sha256.Sum256(b))
			}
		}
		out[p] = desc
		return nil
	})
	sandboxMust(t, err)
	return out
}

// mountPoints lists the host's mounts: point, type and source.
func mountPoints(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	sandboxMust(t, err)
	var out []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		for i, field := range f {
			if field == "-" && i+2 < len(f) {
				out = append(out, f[4]+" "+f[i+1]+" "+f[i+2])
			}
		}
	}
	return out
}

func interfaces(t *testing.T) []string {
	t.Helper()
	ifs, err := net.Interfaces()
	sandboxMust(t, err)
	var out []string
	for _, i := range ifs {
		out = append(out, i.Name)
	}
	return out
}
