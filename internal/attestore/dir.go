package attestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DirStore writes envelopes to files DIR/REGION/AMI.intoto.json.
type DirStore struct{ dir string }

// NewDirStore stores under dir, made absolute.
func NewDirStore(dir string) (*DirStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("provenance directory %q: %w", dir, err)
	}
	return &DirStore{dir: abs}, nil
}

// Locate names the file of imageID.
func (d *DirStore) Locate(region, imageID string) Location {
	return FileLocation(d.dir, region, imageID)
}

// FileLocation is where a DirStore for the absolute directory dir puts the
// envelope of imageID in region.
func FileLocation(dir, region, imageID string) Location {
	return Location{Kind: File, Name: filepath.ToSlash(filepath.Join(dir, region, imageID+".intoto.json"))}
}

// Put writes the file atomically (a temporary file renamed into place).
func (d *DirStore) Put(_ context.Context, region, imageID string, envelope []byte) (Location, error) {
	loc := d.Locate(region, imageID)
	path := filepath.FromSlash(loc.Name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Location{}, fmt.Errorf("storing the provenance of %s: %w", imageID, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".envelope-*")
	if err != nil {
		return Location{}, fmt.Errorf("storing the provenance of %s: %w", imageID, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(envelope); err != nil {
		tmp.Close()
		return Location{}, fmt.Errorf("storing the provenance of %s: %w", imageID, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return Location{}, fmt.Errorf("storing the provenance of %s: %w", imageID, err)
	}
	if err := tmp.Close(); err != nil {
		return Location{}, fmt.Errorf("storing the provenance of %s: %w", imageID, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Location{}, fmt.Errorf("storing the provenance of %s: %w", imageID, err)
	}
	return loc, nil
}

// Delete removes the file.
func (d *DirStore) Delete(_ context.Context, loc Location) error {
	if err := os.Remove(filepath.FromSlash(loc.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting %s: %w", loc, err)
	}
	return nil
}

func getFile(loc Location) ([]byte, error) {
	f, err := os.Open(filepath.FromSlash(loc.Name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", loc, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", loc, err)
	}
	defer f.Close()
	return readLimited(f, loc)
}
