// Package rigpath says where the local rig (make tools, make demo, the tests)
// keeps its pinned tools and caches, so every caller agrees without a flag.
package rigpath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// CacheDir is $GOLDEN_CACHE_DIR, or .cache at the root of this repository.
func CacheDir() (string, error) {
	if d := os.Getenv("GOLDEN_CACHE_DIR"); d != "" {
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("finding the cache dir: %w (set GOLDEN_CACHE_DIR)", err)
	}
	return filepath.Join(root, ".cache"), nil
}

// RepoRoot walks up from the working directory to this module's go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from inside the repository")
		}
		dir = parent
	}
}

// Tools is where `make tools` puts the pinned packer binary and plugins.
type Tools struct {
	Packer    string // the packer binary
	PluginDir string // PACKER_PLUGIN_PATH holding hashicorp/amazon (and golden once `make dev` ran)
}

// FindTools locates the tools `make tools` installed, failing with how to get them.
func FindTools() (Tools, error) {
	cache, err := CacheDir()
	if err != nil {
		return Tools{}, err
	}
	t := Tools{
		Packer:    filepath.Join(cache, "tools", "bin", "packer"),
		PluginDir: filepath.Join(cache, "packer-plugins"),
	}
	if p := os.Getenv("GOLDEN_PACKER"); p != "" {
		t.Packer = p
	}
	if d := os.Getenv("PACKER_PLUGIN_PATH"); d != "" {
		t.PluginDir = d
	}
	if _, err := os.Stat(t.Packer); err != nil {
		return Tools{}, fmt.Errorf("packer not found at %s: run `make tools` (builds Packer v1.16.0 and the amazon plugin v1.8.1) or set GOLDEN_PACKER", t.Packer)
	}
	return t, nil
}
