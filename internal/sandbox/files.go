package sandbox

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// OpenFile opens name as the sandbox sees it, for uploads and downloads:
// ".." and symlinks, absolute ones included, resolve inside the root, and
// the sandbox's own mounts (/run, /dev/shm, bind mounts) are there. flag and
// perm are as for os.OpenFile.
func (s *Sandbox) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	fd, err := s.openat(name, flag, perm)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// MkdirAll creates the directory name in the sandbox, and any parents
// missing, as os.MkdirAll does, resolving paths as OpenFile does.
func (s *Sandbox) MkdirAll(name string, perm os.FileMode) error {
	clean := path.Clean("/" + name)
	if clean == "/" {
		return nil
	}
	parts := strings.Split(clean[1:], "/")
	for i := range parts {
		dir := "/" + path.Join(parts[:i+1]...)
		fd, err := s.openat(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err == nil {
			unix.Close(fd)
			continue
		}
		if !errors.Is(err, unix.ENOENT) {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
		}
		parent, err := s.openat(path.Dir(dir), unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
		}
		err = unix.Mkdirat(parent, parts[i], uint32(perm.Perm()))
		unix.Close(parent)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
		}
	}
	return nil
}

// openat opens name below the sandbox's root with openat2(RESOLVE_IN_ROOT),
// which treats the root as "/" the way chroot does.
func (s *Sandbox) openat(name string, flag int, perm os.FileMode) (fd int, err error) {
	how := unix.OpenHow{
		Flags:   uint64(flag | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	if flag&os.O_CREATE != 0 {
		how.Mode = uint64(perm.Perm())
	}
	root, err := s.dupRoot()
	if err != nil {
		return -1, err
	}
	defer unix.Close(root)
	for range 10 { // EAGAIN: a rename or mount raced the lookup
		fd, err = unix.Openat2(root, name, &how)
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
	return -1, err
}

// dupRoot returns a copy of the root's descriptor, which Stop may close.
func (s *Sandbox) dupRoot() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rootFD < 0 {
		return -1, ErrStopped
	}
	return unix.FcntlInt(uintptr(s.rootFD), unix.F_DUPFD_CLOEXEC, 0)
}

func (s *Sandbox) writeFile(name string, data []byte, perm os.FileMode) error {
	f, err := s.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

func (s *Sandbox) readFile(name string) ([]byte, error) {
	f, err := s.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
