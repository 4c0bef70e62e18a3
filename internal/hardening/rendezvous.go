package hardening

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The rendezvous file hands a build's report from golden-harden to golden-seal,
// which Packer gives only the artifact: both find it by the run's PACKER_RUN_UUID
// and the build's name (DESIGN.md). Its content is the report's JSON form.

// RunUUIDEnv is where Packer puts the run's UUID for every plugin process.
const RunUUIDEnv = "PACKER_RUN_UUID"

// DefaultRendezvousDir is the rendezvous directory when rendezvous_dir is not set.
func DefaultRendezvousDir() string {
	return filepath.Join(os.TempDir(), "packer-golden-harden")
}

var (
	safeRunUUID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	unsafeName  = regexp.MustCompile(`[^A-Za-z0-9._-]`)
)

// ErrRendezvousKey is returned for a run UUID or build name that cannot name a file.
var ErrRendezvousKey = errors.New("bad rendezvous key")

// RendezvousPath is where the report of build buildName in run runUUID lives
// under dir ("" means DefaultRendezvousDir): DIR/RUNUUID/BUILD.json, where BUILD
// is the build name with characters other than letters, digits, '.', '_' and
// '-' replaced by '_' and, if any was, followed by '-' and 8 hex digits of the
// name's sha256, so that different names never share a file.
func RendezvousPath(dir, runUUID, buildName string) (string, error) {
	if dir == "" {
		dir = DefaultRendezvousDir()
	}
	if !safeRunUUID.MatchString(runUUID) {
		return "", fmt.Errorf("%w: run uuid %q: is %s set? Packer sets it for every build", ErrRendezvousKey, runUUID, RunUUIDEnv)
	}
	if buildName == "" {
		return "", fmt.Errorf("%w: empty build name", ErrRendezvousKey)
	}
	name := unsafeName.ReplaceAllString(buildName, "_")
	if name != buildName || name == "." || name == ".." {
		sum := sha256.Sum256([]byte(buildName))
		name += "-" + hex.EncodeToString(sum[:4])
	}
	return filepath.Join(dir, runUUID, name+".json"), nil
}

// WriteFileAtomic writes data to path so that readers see the old file or the
// whole new one, never a part: a temporary file in the same directory, then a
// rename. It does not fsync: it guards readers running alongside, not against
// a power cut, which ends the build anyway. Missing directories are created
// with mode 0700.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("writing %s: %w", path, err), os.Remove(tmp))
	}
	return nil
}

// Rendezvous is a report read back from its rendezvous file.
type Rendezvous struct {
	Path   string
	SHA256 string // of the file's bytes, for provenance
	Report *Report
}

// ReadRendezvous reads and validates the report at path. A missing file is an
// error that wraps fs.ErrNotExist: the build was not hardened.
func ReadRendezvous(path string) (Rendezvous, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Rendezvous{}, fmt.Errorf("reading the hardening report: %w", err)
	}
	r, err := ParseReport(data)
	if err != nil {
		return Rendezvous{}, fmt.Errorf("hardening report %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	return Rendezvous{Path: path, SHA256: hex.EncodeToString(sum[:]), Report: r}, nil
}

// A run's folder also names the packer process of its run (ownerFile: its pid
// and, on Linux, its start time), so that a later run can tell that a folder
// outlived its build: one that failed or was cancelled between golden-harden
// and golden-seal, or has no golden-seal. Packer kills plugins with SIGKILL,
// so no plugin can clean up when its run ends; the next one does.
const ownerFile = ".packer"

// MaxRendezvousAge is how old a run's folder must be to be swept when its
// packer process cannot be checked (no /proc, or no owner recorded).
const MaxRendezvousAge = 7 * 24 * time.Hour

// WriteRendezvous writes a build's report for golden-seal to its rendezvous
// path under dir, records this process's parent (packer) as the run's owner,
// and sweeps the folders of other runs whose packer has exited.
func WriteRendezvous(dir, runUUID, buildName string, data []byte) (string, error) {
	path, err := RendezvousPath(dir, runUUID, buildName)
	if err != nil {
		return "", err
	}
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		return "", err
	}
	// Best effort: a folder without its owner is swept by age instead.
	_ = WriteFileAtomic(filepath.Join(filepath.Dir(path), ownerFile), []byte(processOwner(os.Getppid())), 0o600)
	SweepRendezvous(filepath.Dir(filepath.Dir(path)), runUUID, time.Now())
	return path, nil
}

// RemoveRunFolder removes a run's folder once its last report was read: its
// owner file, then the folder, which fails, harmlessly, when another build of
// the run has written its report meanwhile.
func RemoveRunFolder(run string) {
	os.Remove(filepath.Join(run, ownerFile))
	os.Remove(run)
}

// SweepRendezvous removes from dir the run folders, other than keepRun's,
// whose packer process has exited, or that are older than MaxRendezvousAge
// when that cannot be told. It touches nothing but folders named like run
// ids holding only reports, owner files and temporary files of
// WriteFileAtomic, and returns those it removed; it is best effort.
func SweepRendezvous(dir, keepRun string, now time.Time) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		run := filepath.Join(dir, e.Name())
		if !e.IsDir() || e.Name() == keepRun || !safeRunUUID.MatchString(e.Name()) || !stale(run, now) || !onlyReports(run) {
			continue
		}
		if os.RemoveAll(run) == nil {
			removed = append(removed, run)
		}
	}
	return removed
}

// stale says whether run's packer has exited, or, where that cannot be
// told, whether nothing in run changed for MaxRendezvousAge.
func stale(run string, now time.Time) bool {
	if data, err := os.ReadFile(filepath.Join(run, ownerFile)); err == nil {
		if pid, start, ok := parseOwner(string(data)); ok {
			if alive, known := ownerAlive(pid, start); known {
				return !alive
			}
		}
	}
	info, err := os.Stat(run)
	return err == nil && now.Sub(info.ModTime()) > MaxRendezvousAge
}

// onlyReports says whether run holds nothing but regular files of ours.
func onlyReports(run string) bool {
	entries, err := os.ReadDir(run)
	if err != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		ours := name == ownerFile || strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") && strings.Contains(name, ".json.")
		if !e.Type().IsRegular() || !ours {
			return false
		}
	}
	return true
}

// processOwner is the owner line of process pid: "pid start", start being
// its start time from /proc (0 where there is none).
func processOwner(pid int) string {
	start, _ := procStart(pid)
	return fmt.Sprintf("%d %d\n", pid, start)
}

// parseOwner reads an owner line.
func parseOwner(s string) (pid int, start uint64, ok bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(f[1], 10, 64)
	return pid, start, err == nil
}

// ownerAlive says whether process pid, started at start, still runs; known
// is false where /proc cannot tell (not Linux, or no start time recorded).
func ownerAlive(pid int, start uint64) (alive, known bool) {
	if start == 0 {
		return false, false
	}
	got, err := procStart(pid)
	switch {
	case err == nil:
		return got == start, true
	case errors.Is(err, fs.ErrNotExist):
		_, selfErr := procStart(os.Getpid())
		return false, selfErr == nil
	}
	return false, false
}

// procStart is the start time of process pid in clock ticks after boot,
// field 22 of /proc/PID/stat.
func procStart(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatStart(string(data))
}

// parseStatStart reads field 22 of a /proc/PID/stat line. The command name
// (field 2) is in parentheses and may hold spaces and parentheses itself, so
// the fields are counted after the last ')'.
func parseStatStart(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name in /proc stat")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc stat has %d fields after the command name, want 20 or more", len(f))
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil || start == 0 {
		return 0, fmt.Errorf("/proc stat start time %q", f[19])
	}
	return start, nil
}
