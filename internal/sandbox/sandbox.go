package sandbox

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

//go:embed init.sh
var initScript string

// Network says which network a sandbox sees.
type Network string

const (
	// NetworkHost shares the host's network: sshd on 127.0.0.1 is reachable
	// from the host, and apt-get inside reaches the mirror.
	NetworkHost Network = "host"
	// NetworkNone gives the sandbox a network of its own with only loopback.
	NetworkNone Network = "none"
)

// Bind mounts a host file or directory into the sandbox.
type Bind struct {
	Source   string // a host path
	Target   string // an absolute path inside the sandbox
	Writable bool   // read-only unless set
}

// Config says what to run.
type Config struct {
	Root       string  // the root filesystem's directory (TempRoot, then Unpack or CopyTree)
	Hostname   string  // "sandbox" by default
	Network    Network // NetworkHost by default
	Binds      []Bind
	RemoveRoot bool // Stop, or a Start that fails, removes Root
}

// ErrStopped is returned for work asked of a sandbox that Stop has stopped.
var ErrStopped = errors.New("the sandbox is stopped")

// Sandbox is a running sandbox. Its methods are safe for concurrent use.
type Sandbox struct {
	cfg        Config
	holder     *exec.Cmd // unshare, whose child is PID 1 of the namespaces
	holderDone chan struct{}
	stderr     *tailBuffer // the setup script's
	pid        int         // the host PID of PID 1
	pidNS      string      // its PID namespace, as /proc/PID/ns/pid reads

	mu      sync.Mutex
	stopped bool
	rootFD  int // PID 1's root, as the namespace sees it (files.go)
	sshd    *sshdProcess

	stopOnce sync.Once
	stopErr  error
}

// Start starts a sandbox in cfg.Root. It returns once commands can run in it.
// If it fails, it leaves nothing running or mounted (and removes the root if
// cfg.RemoveRoot).
func Start(ctx context.Context, cfg Config) (*Sandbox, error) {
	cfg, err := cfg.check()
	if err != nil {
		if cfg.RemoveRoot && cfg.Root != "" {
			err = errors.Join(err, RemoveTree(cfg.Root))
		}
		return nil, err
	}
	s := &Sandbox{cfg: cfg, rootFD: -1, holderDone: make(chan struct{}), stderr: &tailBuffer{max: 4096}}
	if err := s.start(ctx); err != nil {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		return nil, errors.Join(err, s.Stop(stopCtx))
	}
	return s, nil
}

// check validates cfg and fills in the defaults. Root is made absolute and
// free of symlinks, as the mount table and /proc/PID/root show it.
func (cfg Config) check() (Config, error) {
	if cfg.Root == "" {
		return cfg, errors.New("no sandbox root given")
	}
	root, err := filepath.Abs(cfg.Root)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return cfg, fmt.Errorf("sandbox root: %w", err)
	}
	if root == "/" {
		return Config{}, errors.New("the sandbox root cannot be /")
	}
	cfg.Root = root
	if err := needPrivileges(); err != nil {
		return cfg, err
	}
	tools := []string{"unshare", "nsenter", "mount", "chroot", "hostname"}
	switch cfg.Network {
	case "":
		cfg.Network = NetworkHost
	case NetworkHost:
	case NetworkNone:
		tools = append(tools, "ip")
	default:
		return cfg, fmt.Errorf("sandbox network %q: want %q or %q", cfg.Network, NetworkHost, NetworkNone)
	}
	if err := needTools(tools...); err != nil {
		return cfg, err
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "sandbox"
	}
	for _, b := range cfg.Binds {
		if err := b.check(root); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// check refuses bind mounts that would land outside the root: init.sh mounts
// on ROOT/TARGET as the host resolves it, so no part of it may be a symlink.
func (b Bind) check(root string) error {
	if _, err := os.Stat(b.Source); err != nil {
		return fmt.Errorf("bind mount source: %w", err)
	}
	if !path.IsAbs(b.Target) || path.Clean(b.Target) != b.Target || b.Target == "/" {
		return fmt.Errorf("bind mount target %q: want a clean absolute path below /", b.Target)
	}
	p := root
	for _, part := range strings.Split(b.Target[1:], "/") {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("bind mount target %s: %w", b.Target, err)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("bind mount target %s: %s is a symlink in the root: mount on the path it points to", b.Target, strings.TrimPrefix(p, root))
		}
	}
	return nil
}

func (s *Sandbox) start(ctx context.Context) error {
	args := []string{"--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--uts", "--ipc"}
	if s.cfg.Network == NetworkNone {
		args = append(args, "--net")
	}
	args = append(args, "--", "/bin/sh", "-s", s.cfg.Root, s.cfg.Hostname, string(s.cfg.Network))
	for _, b := range s.cfg.Binds {
		mode := "ro"
		if b.Writable {
			mode = "rw"
		}
		args = append(args, b.Source, b.Target, mode)
	}
	ready, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer ready.Close()
	s.holder = exec.Command("unshare", args...)
	s.holder.Env = []string{"PATH=" + os.Getenv("PATH")}
	s.holder.Stdin = strings.NewReader(initScript) // not in argv, so ps stays readable
	s.holder.Stdout, s.holder.Stderr = w, s.stderr
	// Setpgid keeps a terminal's ^C for us; Pdeathsig takes the sandbox down
	// with this process, even when it is killed (unshare --kill-child then
	// kills PID 1, and so the whole namespace).
	s.holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = s.holder.Start()
	w.Close()
	if err != nil {
		s.holder = nil
		return fmt.Errorf("starting unshare: %w", err)
	}
	go func() {
		_ = s.holder.Wait() // why it ended is in s.stderr
		close(s.holderDone)
	}()

	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(ready).ReadString('\n') // EOF: the script failed
		line <- l
	}()
	var l string
	select {
	case l = <-line:
	case <-ctx.Done():
		return fmt.Errorf("starting the sandbox: %w", ctx.Err())
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, "ready ")))
	if !strings.HasPrefix(l, "ready ") || err != nil {
		select {
		case <-s.holderDone: // all of stderr is in
		case <-ctx.Done():
		}
		return fmt.Errorf("setting up the sandbox in %s failed: %s", s.cfg.Root, s.stderr)
	}
	s.pid = pid
	if s.pidNS, err = os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); err != nil {
		return fmt.Errorf("sandbox PID 1: %w", err)
	}
	if root, err := os.Readlink(fmt.Sprintf("/proc/%d/root", pid)); err != nil || root != s.cfg.Root {
		return fmt.Errorf("sandbox PID 1 (%d) runs in %q, not in %s: %v", pid, root, s.cfg.Root, err)
	}
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/root", pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the sandbox root: %w", err)
	}
	s.mu.Lock()
	s.rootFD = fd
	s.mu.Unlock()
	out := &tailBuffer{max: 1024}
	if code, err := s.Exec(ctx, []string{"true"}, nil, nil, out, out); err != nil || code != 0 {
		return errors.Join(err, fmt.Errorf("the sandbox cannot run commands (exit %d): %s: the root needs /bin/sh, sleep and util-linux's /usr/bin/setpriv", code, out))
	}
	return nil
}

// Root is the sandbox's root directory on the host.
func (s *Sandbox) Root() string { return s.cfg.Root }

// PID is the host PID of the sandbox's PID 1, the target for nsenter.
func (s *Sandbox) PID() int { return s.pid }

// Stop kills every process in the sandbox, waits for them, checks that no
// process or mount is left, and removes the root if Config.RemoveRoot. It can
// be called more than once; later calls return what the first returned.
func (s *Sandbox) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.teardown(ctx) })
	return s.stopErr
}

func (s *Sandbox) teardown(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	sshd := s.sshd
	if s.rootFD >= 0 {
		unix.Close(s.rootFD)
		s.rootFD = -1
	}
	s.mu.Unlock()

	var errs []error
	if s.holder != nil {
		select {
		case <-s.holderDone:
		default:
			// Killing PID 1 takes the whole PID namespace; unshare exits once
			// it is gone. Killing unshare (which kills PID 1) would not wait.
			if s.pid > 0 {
				_ = syscall.Kill(s.pid, syscall.SIGKILL)
			} else {
				_ = s.holder.Process.Kill()
			}
		}
		select {
		case <-s.holderDone:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("waiting for the sandbox's PID 1 (%d) to exit: %w", s.pid, ctx.Err()))
		}
	}
	if sshd != nil {
		errs = append(errs, sshd.stop(ctx))
	}
	if s.pidNS != "" {
		left := processes(func(pid string) bool {
			ns, err := os.Readlink("/proc/" + pid + "/ns/pid")
			return err == nil && ns == s.pidNS
		})
		if len(left) > 0 {
			errs = append(errs, fmt.Errorf("processes %v still run in the sandbox", left))
		}
	}
	if m, err := mountsUnder(s.cfg.Root); err != nil {
		errs = append(errs, err)
	} else if len(m) > 0 {
		errs = append(errs, fmt.Errorf("mounts left under the sandbox root: %s", strings.Join(m, ", ")))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping the sandbox in %s: %w", s.cfg.Root, err)
	}
	if s.cfg.RemoveRoot {
		return RemoveTree(s.cfg.Root)
	}
	return nil
}
