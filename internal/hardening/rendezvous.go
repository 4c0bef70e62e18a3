package hardening

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
