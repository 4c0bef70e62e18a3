package sandbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
)

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
