//go:build linux

package sandbox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The transfers follow what Packer's SSH communicator gets from OpenSSH's scp
// (`scp -t` receiving uploads, `scp -f` sending downloads) against the same
// root, quirks included, so that a template behaves alike on both: see the
// conformance test. As there, the exclude lists of UploadDir and DownloadDir
// are ignored.

// Upload writes input to dst as `scp -t DIR` does, DIR being dst's folder:
// into DIR if it is a directory, else at DIR itself. A new file gets fi's
// permissions (0644 without fi) less the umask; an existing one keeps its mode.
func (c *Communicator) Upload(dst string, input io.Reader, fi *os.FileInfo) error {
	dst, err := c.abs(dst)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi != nil && (*fi).Mode().IsRegular() {
		mode = (*fi).Mode().Perm()
	}
	return c.sinkFile(c.target(path.Dir(dst)), path.Base(dst), mode, input)
}

// UploadDir copies the directory src into dst as rsync does: src itself when
// it has no trailing slash, else only what it holds. Symlinks in src are
// followed. When dst does not exist, scp makes src dst itself.
func (c *Communicator) UploadDir(dst, src string, _ []string) error {
	dst, err := c.abs(dst)
	if err != nil {
		return err
	}
	t := c.target(dst)
	if strings.HasSuffix(src, "/") {
		return c.uploadEntries(t, src)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	return c.sinkDir(t, filepath.Base(src), fi.Mode().Perm(), func(t sinkTarget) error { return c.uploadEntries(t, src) })
}

// uploadEntries sends what the host directory dir holds, as the SSH
// communicator's scp client does.
func (c *Communicator) uploadEntries(t sinkTarget, dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	entries, err := f.Readdir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, fi := range entries {
		real := filepath.Join(dir, fi.Name())
		isDir := fi.IsDir()
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(real)
			if err != nil {
				return err
			}
			tfi, err := os.Lstat(target)
			if err != nil {
				return err
			}
			isDir = tfi.IsDir()
		}
		if isDir {
			// A symlinked directory arrives with the link's own mode, 0777.
			err = c.sinkDir(t, fi.Name(), fi.Mode().Perm(), func(t sinkTarget) error { return c.uploadEntries(t, real) })
		} else {
			err = c.uploadFile(t, real, fi)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Communicator) uploadFile(t sinkTarget, name string, fi os.FileInfo) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	mode := os.FileMode(0o644) // what scp sends for what is not a regular file (a symlink)
	if fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	return c.sinkFile(t, fi.Name(), mode, f)
}

// sinkTarget is where `scp -t` puts what it receives: into path if it is a
// directory, else at path itself.
type sinkTarget struct {
	path string
	dir  bool
}

func (c *Communicator) target(p string) sinkTarget {
	fi, err := c.stat(p)
	return sinkTarget{path: p, dir: err == nil && fi.IsDir()}
}

func (t sinkTarget) join(name string) string {
	if t.dir {
		return path.Join(t.path, name)
	}
	return t.path
}

// sinkFile receives one file as scp's sink does.
func (c *Communicator) sinkFile(t sinkTarget, name string, mode os.FileMode, r io.Reader) error {
	if err := checkName(name); err != nil {
		return err
	}
	np := t.join(name)
	f, err := c.root.OpenFile(np, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return scpError(np, err)
	}
	_, err = io.Copy(f, r)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return scpError(np, err)
	}
	return nil
}

// sinkDir receives one directory as scp's sink does: an existing one is
// filled as it is; a new one is made (its parent must exist) and, once
// filled, gets mode less the umask.
func (c *Communicator) sinkDir(t sinkTarget, name string, mode os.FileMode, fill func(sinkTarget) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	np := t.join(name)
	fi, err := c.stat(np)
	if err == nil {
		if !fi.IsDir() {
			return scpError(np, syscall.ENOTDIR)
		}
		return fill(sinkTarget{path: np, dir: true})
	}
	if err := c.mkdir(np, mode|0o700); err != nil {
		return scpError(np, err)
	}
	fillErr := fill(sinkTarget{path: np, dir: true})
	chmodErr := c.chmod(np, mode&^umask()) // scp changes the mode even after a failure
	if fillErr != nil {
		return fillErr
	}
	return chmodErr
}

// checkName refuses names scp's sink refuses.
func checkName(name string) error {
	if name == "" || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("scp: error: unexpected filename: %s", name)
	}
	return nil
}

// Download writes the regular file src (symlinks followed) to w.
func (c *Communicator) Download(src string, w io.Writer) error {
	src, err := c.abs(trimSlashes(src))
	if err != nil {
		return err
	}
	f, fi, err := c.open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("scp: %s: not a regular file", src)
	}
	if _, err := io.Copy(w, f); err != nil {
		return scpError(src, err)
	}
	return nil
}

// DownloadDir copies src from the sandbox into the host directory dst as
// dst/BASE, BASE being src's last element, trailing slash or not: a directory
// with all it holds (symlinks followed), or a file. New files and directories
// get the sandbox's permissions less the umask.
func (c *Communicator) DownloadDir(src, dst string, _ []string) error {
	src, err := c.abs(trimSlashes(src))
	if err != nil {
		return err
	}
	if src == "/" {
		return errors.New("scp: cannot download / as a directory: name one below it")
	}
	return c.download(src, dst)
}

// download sends name into the host directory dst, as `scp -rf` does.
func (c *Communicator) download(name, dst string) error {
	f, fi, err := c.open(name)
	if err != nil {
		return err
	}
	local := filepath.Join(dst, path.Base(name))
	switch {
	case fi.IsDir():
		entries, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return scpError(name, err)
		}
		if err := os.MkdirAll(local, fi.Mode().Perm()); err != nil {
			return err
		}
		for _, e := range entries {
			if err := c.download(path.Join(name, e.Name()), local); err != nil {
				return err
			}
		}
		return nil
	case fi.Mode().IsRegular():
		defer f.Close()
		out, err := os.OpenFile(local, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
		if err != nil {
			return err
		}
		_, err = io.Copy(out, f)
		if closeErr := out.Close(); err == nil {
			err = closeErr
		}
		return err
	default:
		f.Close()
		return fmt.Errorf("scp: %s: not a regular file", name)
	}
}

// open opens name in the sandbox for reading, following symlinks, without
// blocking on a FIFO.
func (c *Communicator) open(name string) (*os.File, os.FileInfo, error) {
	f, err := c.root.OpenFile(name, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, scpError(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, scpError(name, err)
	}
	return f, fi, nil
}

// stat is stat(2) in the sandbox: symlinks followed.
func (c *Communicator) stat(name string) (os.FileInfo, error) {
	f, err := c.root.OpenFile(name, unix.O_PATH, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

// mkdir is mkdir(2) in the sandbox: the parent must exist.
func (c *Communicator) mkdir(name string, perm os.FileMode) error {
	parent, err := c.stat(path.Dir(name))
	if err != nil {
		return err
	}
	if !parent.IsDir() {
		return syscall.ENOTDIR
	}
	return c.root.MkdirAll(name, perm)
}

func (c *Communicator) chmod(name string, mode os.FileMode) error {
	f, err := c.root.OpenFile(name, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return scpError(name, err)
	}
	defer f.Close()
	if err := f.Chmod(mode); err != nil {
		return scpError(name, err)
	}
	return nil
}

// umask is this process's umask, which the sandbox's commands inherit; 022
// if /proc does not say (reading it, unlike umask(2), changes nothing).
func umask() os.FileMode {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o022
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return os.FileMode(m)
			}
		}
	}
	return 0o022
}

// scpError says what failed on which path, as scp does ("scp: PATH: REASON").
func scpError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("scp: %s: %w", name, err)
}

// trimSlashes drops trailing slashes but keeps "/", as scp does with sources.
func trimSlashes(p string) string {
	for len(p) > 1 && strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	return p
}
