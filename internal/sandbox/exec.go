package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// droppedCaps are the capabilities that act on the host's kernel rather than
// on the namespaces: commands in the sandbox run without them (see doc.go).
const droppedCaps = "-sys_admin,-sys_module,-sys_rawio,-sys_time,-sys_boot,-mac_admin,-syslog"

// baseEnv is what commands see before the caller's variables: nothing of the
// host's environment (credentials, GOFLAGS, …) leaks in.
var baseEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}

// Exec runs argv as root in the sandbox, in /, with env ("NAME=value") added to
// a minimal environment, streaming stdin, stdout and stderr (nil means
// /dev/null). It returns the command's exit code (128+N if signal N ended it);
// the error says why it could not run or wait for it. Cancelling ctx kills
// the command and its process group.
func (s *Sandbox) Exec(ctx context.Context, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("no command to run in the sandbox")
	}
	cmd, err := s.command(ctx, argv, env)
	if err != nil {
		return -1, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return -1, fmt.Errorf("running %s in the sandbox: %w", argv[0], ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	if err != nil {
		return -1, fmt.Errorf("running %s in the sandbox: %w", argv[0], err)
	}
	return 0, nil
}

// command prepares argv to run in the sandbox: nsenter joins PID 1's
// namespaces and root, setpriv (the root's own) drops droppedCaps.
func (s *Sandbox) command(ctx context.Context, argv, env []string) (*exec.Cmd, error) {
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if stopped {
		return nil, ErrStopped
	}
	args := []string{"--target", strconv.Itoa(s.pid), "--mount", "--uts", "--ipc", "--pid"}
	caps := droppedCaps
	if s.cfg.Network == NetworkNone {
		args = append(args, "--net")
	} else {
		caps += ",-net_admin" // the host's firewall, routes and interfaces
	}
	// --wd without a directory: nsenter would resolve one on the host.
	args = append(args, "--root", "--wd", "--", "/usr/bin/setpriv", "--bounding-set", caps, "--")
	cmd := exec.CommandContext(ctx, "nsenter", append(args, argv...)...)
	cmd.Env = append(append([]string{}, baseEnv...), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // a background child may hold stdout open
	return cmd, nil
}

// output runs argv in the sandbox and returns its output, failing with it
// unless the exit code is 0.
func (s *Sandbox) output(ctx context.Context, argv ...string) (string, error) {
	var out bytes.Buffer
	code, err := s.Exec(ctx, argv, nil, nil, &out, &out)
	if err == nil && code != 0 {
		err = fmt.Errorf("%s exited with %d: %s", argv[0], code, strings.TrimSpace(out.String()))
	}
	return out.String(), err
}
