package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

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
