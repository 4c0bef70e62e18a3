package harden

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// recordingComm is a communicator whose "machine" is this one: it runs commands
// with sh, and records every call, so tests see exactly what golden-harden asks
// of a communicator. Paths are real local paths (remote_dir is a temp dir).
type recordingComm struct {
	mu    sync.Mutex
	calls []string
	// asUser, if set, runs commands as that user (runuser) and gives it the uploads.
	asUser string
	// corrupt, if set, flips a byte of every upload.
	corrupt bool
	// dropAfter, if set, kills the command and reports a dropped connection once
	// its output contains this text.
	dropAfter string
}

var _ packersdk.Communicator = (*recordingComm)(nil)

func (c *recordingComm) record(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf(format, a...))
}

func (c *recordingComm) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func (c *recordingComm) Upload(path string, r io.Reader, fi *os.FileInfo) error {
	mode := os.FileMode(0o644)
	if fi != nil {
		mode = (*fi).Mode().Perm()
	}
	c.record("upload %s %o", path, mode)
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if c.corrupt {
		data[len(data)/2] ^= 0xff
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	if c.asUser != "" {
		return exec.Command("chown", c.asUser, path).Run()
	}
	return nil
}

func (c *recordingComm) Start(ctx context.Context, rc *packersdk.RemoteCmd) error {
	c.record("start %s", rc.Command)
	argv := []string{"sh", "-c", rc.Command}
	if c.asUser != "" {
		argv = append([]string{"runuser", "-u", c.asUser, "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = rc.Stderr
	// As with ssh, the command's exit does not wait for the caller's stdin to end.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(stdin, rc.Stdin)
		stdin.Close()
	}()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var dropped chan struct{}
	if c.dropAfter != "" {
		dropped = make(chan struct{})
		cmd.Stdout = &dropWriter{w: rc.Stdout, after: c.dropAfter, drop: func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			close(dropped)
		}}
	} else {
		cmd.Stdout = rc.Stdout
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		err := cmd.Wait()
		var exit *exec.ExitError
		switch {
		case dropped != nil && isClosed(dropped):
			rc.SetExited(packersdk.CmdDisconnect)
		case errors.As(err, &exit):
			rc.SetExited(exit.ExitCode())
		case err != nil:
			rc.SetExited(-1)
		default:
			rc.SetExited(0)
		}
	}()
	return nil
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (c *recordingComm) Download(path string, w io.Writer) error {
	c.record("download %s", path)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func (c *recordingComm) UploadDir(dst, src string, exclude []string) error {
	c.record("uploaddir %s", dst)
	return errors.New("golden-harden must not upload directories")
}

func (c *recordingComm) DownloadDir(src, dst string, exclude []string) error {
	c.record("downloaddir %s", src)
	return errors.New("golden-harden must not download directories")
}

// dropWriter passes output on until it has seen after, then calls drop once.
type dropWriter struct {
	w     io.Writer
	after string
	seen  strings.Builder
	once  sync.Once
	drop  func()
}

func (d *dropWriter) Write(p []byte) (int, error) {
	d.seen.Write(p)
	if strings.Contains(d.seen.String(), d.after) {
		d.once.Do(d.drop)
	}
	return d.w.Write(p)
}
