package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	nsbox "github.com/goldenami/packer-plugin-golden/internal/sandbox"
)

// packTar writes the root at dir as a tarball at out, compressed with zstd
// if asked, and returns the tarball's sha256. Owners stay numeric, so that
// the host's user names never map onto the image's.
func packTar(ctx context.Context, dir, out string, compress bool) (string, error) {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("creating the output: %w", err)
	}
	h := sha256.New()
	args := []string{"--sort=name", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", dir}
	if compress {
		args = append(args, "--use-compress-program=zstd -3 -T0 -q")
	}
	args = append(args, "-cf", "-", ".")
	err = runTool(ctx, io.MultiWriter(f, h), "tar", args...)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", errors.Join(fmt.Errorf("packing the root into %s: %w", out, err), os.Remove(out))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// moveTree moves the root at dir to out, copying it when out is on another
// file system.
func moveTree(ctx context.Context, dir, out string) error {
	err := os.Rename(dir, out)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		return err
	}
	if err := nsbox.CopyTree(ctx, dir, out); err != nil {
		return err
	}
	return nsbox.RemoveTree(dir)
}

// writeManifest writes the sha256 of every regular file below dir to sumFile,
// in sha256sum's format with paths relative to sumFile's folder (so that
// `sha256sum -c` checks them from there), and returns the sha256 of sumFile.
func writeManifest(ctx context.Context, dir, sumFile string) (string, error) {
	base := filepath.Dir(sumFile)
	f, err := os.OpenFile(sumFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("creating the manifest: %w", err)
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		sum, err := fileSHA256(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, sumLine(sum, rel))
		return err
	})
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", fmt.Errorf("writing the manifest %s: %w", sumFile, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sumLine is one line of sha256sum's output, escaped as GNU sha256sum
// escapes names holding a backslash or a newline.
func sumLine(sum, name string) string {
	if strings.ContainsAny(name, "\\\n") {
		return "\\" + sum + "  " + strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(name) + "\n"
	}
	return sum + "  " + name + "\n"
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// runTool runs a host command, in its own process group so that cancelling
// ctx ends it and its children (tar's zstd), writing its output to stdout
// and quoting the end of its errors.
func runTool(ctx context.Context, stdout io.Writer, name string, args ...string) error {
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = stdout, &limitedWriter{w: &stderr, n: 4096}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// limitedWriter keeps the first n bytes written to it and discards the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
