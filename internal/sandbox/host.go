package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// toolPackages says which Debian package installs each host tool used here.
var toolPackages = map[string]string{
	"chroot":      "coreutils",
	"cp":          "coreutils",
	"debootstrap": "debootstrap",
	"hostname":    "hostname",
	"ip":          "iproute2",
	"mount":       "mount",
	"nsenter":     "util-linux",
	"tar":         "tar",
	"unshare":     "util-linux",
	"zstd":        "zstd",
}

// needTools fails, saying what to install, unless every named tool is in PATH.
func needTools(names ...string) error {
	var missing, pkgs []string
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, name)
			if !slices.Contains(pkgs, toolPackages[name]) {
				pkgs = append(pkgs, toolPackages[name])
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not found in PATH: install with `apt-get install %s`", strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
	return nil
}

const capSysAdmin = 21 // linux/capability.h

// needPrivileges fails unless this process is root with CAP_SYS_ADMIN.
func needPrivileges() error {
	const fix = "the sandbox needs root with CAP_SYS_ADMIN (it creates namespaces, mounts and a chroot): run as root (sudo -E go test ./..., sudo rig sandbox) or in a privileged container"
	if os.Geteuid() != 0 {
		return errors.New(fix)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("reading capabilities: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return fmt.Errorf("parsing CapEff in /proc/self/status: %w", err)
			}
			if caps&(1<<capSysAdmin) == 0 {
				return errors.New(fix)
			}
			return nil
		}
	}
	return errors.New("no CapEff in /proc/self/status: is /proc mounted?")
}

// tailBuffer keeps the last bytes written to it, for errors about tools whose
// output is long.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

// run runs a host tool that dies with ctx or with this process, copying its
// output to log (if not nil) and quoting the end of it in the error.
func run(ctx context.Context, log io.Writer, name string, args ...string) error {
	tail := &tailBuffer{max: 2048}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = tail
	if log != nil {
		cmd.Stdout = io.MultiWriter(log, tail)
	}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("%s: %w\n%s", name, err, tail)
	}
	return nil
}
