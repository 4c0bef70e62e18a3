package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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

// mountsUnder lists the mount points of this process's mount namespace at or
// below dir.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("reading the mount table: %w", err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		if mp := unescape.Replace(f[4]); within(mp, dir) {
			out = append(out, mp)
		}
	}
	return out, sc.Err()
}

// within reports whether path is dir or below it; both are clean and absolute.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// processes lists the PIDs of processes for which match(pid) holds.
func processes(match func(pid string) bool) []int {
	entries, _ := os.ReadDir("/proc") // /proc is readable, or nothing here works
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && match(e.Name()) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// rootedUnder reports whether a process's root directory is dir or below it.
func rootedUnder(dir string) func(pid string) bool {
	return func(pid string) bool {
		root, err := os.Readlink("/proc/" + pid + "/root")
		return err == nil && within(root, dir)
	}
}

// RemoveTree removes a sandbox root. It refuses while anything is mounted
// under it or any process runs inside it, so that a mistake never deletes
// through a bind mount into the host.
func RemoveTree(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if dir == "/" {
		return errors.New("refusing to remove /")
	}
	if m, err := mountsUnder(dir); err != nil {
		return fmt.Errorf("not removing %s: %w", dir, err)
	} else if len(m) > 0 {
		return fmt.Errorf("not removing %s: still mounted: %s (unmount with `umount -R`)", dir, strings.Join(m, ", "))
	}
	if pids := processes(rootedUnder(dir)); len(pids) > 0 {
		return fmt.Errorf("not removing %s: processes %v still run in it", dir, pids)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing %s: %w", dir, err)
	}
	return nil
}

const tempRootPrefix = "golden-sandbox-"

// TempRoot creates an empty directory for a sandbox root under parent
// (os.TempDir() if empty), first removing the roots that processes which no
// longer run left behind there (an interrupted test cannot clean up).
func TempRoot(parent string) (string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	stale, _ := filepath.Glob(filepath.Join(parent, tempRootPrefix+"*-*")) // the only error is a bad pattern
	for _, dir := range stale {
		pid, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), tempRootPrefix), "-")
		if _, err := strconv.Atoi(pid); err != nil {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); errors.Is(err, os.ErrNotExist) {
			_ = RemoveTree(dir) // best effort: it refuses whatever is still in use
		}
	}
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("%s%d-*", tempRootPrefix, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("creating a sandbox root: %w", err)
	}
	// Users other than root inside (sshd's privilege separation, _apt) must traverse /.
	return dir, os.Chmod(dir, 0o755)
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
