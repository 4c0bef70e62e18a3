package awstest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

//go:embed launcher.py
var launcherPy []byte

// installHint is how to get the moto the rig is pinned to.
const installHint = "pip install 'moto[server]==5.2.1'"

// Exit codes of launcher.py.
const (
	exitMotoMissing      = 3
	exitMotoWrongVersion = 4
)

// moto is a running moto_server with the fidelity patches.
type moto struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait returned
	log    *os.File
	dir    string // launcher and seed files
}

// startMoto starts moto on a free loopback port and waits until it answers.
func startMoto(ctx context.Context, python, logPath string) (*moto, error) {
	py, err := exec.LookPath(python)
	if err != nil {
		return nil, fmt.Errorf("moto not found: %s not on PATH: install Python 3, then %s", python, installHint)
	}
	const attempts = 3 // a port picked free can be taken before moto binds it
	for i := 1; ; i++ {
		m, err := launchMoto(ctx, py, logPath)
		if err == nil || !errors.Is(err, errPortTaken) || i == attempts {
			return m, err
		}
	}
}

var errPortTaken = errors.New("port taken")

func launchMoto(ctx context.Context, python, logPath string) (_ *moto, err error) {
	dir, err := os.MkdirTemp("", "golden-moto-")
	if err != nil {
		return nil, fmt.Errorf("creating moto's work dir: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	seed, err := seedAMIs()
	if err != nil {
		return nil, fmt.Errorf("encoding the seed AMIs: %w", err)
	}
	launcher, amis := filepath.Join(dir, "launcher.py"), filepath.Join(dir, "amis.json")
	if err := os.WriteFile(launcher, launcherPy, 0o600); err != nil {
		return nil, fmt.Errorf("writing moto's launcher: %w", err)
	}
	if err := os.WriteFile(amis, seed, 0o600); err != nil {
		return nil, fmt.Errorf("writing the seed AMIs: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening moto's log: %w", err)
	}
	logStart, _ := log.Seek(0, io.SeekEnd)

	cmd := exec.Command(python, launcher, strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MOTO_AMIS_PATH="+amis, "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdout, cmd.Stderr = log, log
	// Own process group, so Stop reaches werkzeug's threads; killed with us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting moto with %s: %w", python, err)
	}
	m := &moto{url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, exited: make(chan struct{}), log: log, dir: dir}
	go func() {
		cmd.Wait()
		close(m.exited)
	}()
	if err := m.waitReady(ctx); err != nil {
		m.stop()
		return nil, m.explain(err, logPath, logStart)
	}
	return m, nil
}

// waitReady polls the launcher's control endpoint until moto serves.
func (m *moto) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/_golden/config", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("moto did not answer on %s: %w", m.url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var errExited = errors.New("moto exited")

// explain turns a failed start into an error that says what to do.
func (m *moto) explain(err error, logPath string, logStart int64) error {
	out, _ := os.ReadFile(logPath)
	if int64(len(out)) >= logStart {
		out = out[logStart:]
	}
	out = bytes.TrimSpace(out)
	if !errors.Is(err, errExited) {
		return fmt.Errorf("%w (moto's log: %s)", err, logPath)
	}
	switch m.cmd.ProcessState.ExitCode() {
	case exitMotoMissing:
		return fmt.Errorf("moto not found: %s", installHint)
	case exitMotoWrongVersion:
		return fmt.Errorf("%s: %s", out, installHint)
	}
	if bytes.Contains(out, []byte("Address already in use")) {
		return fmt.Errorf("moto could not bind %s: %w", m.url, errPortTaken)
	}
	return fmt.Errorf("moto exited at start (%s); its log %s ends:\n%s", m.cmd.ProcessState, logPath, tail(out, 20))
}

// stop ends moto's process group: SIGTERM, then SIGKILL after a grace period.
func (m *moto) stop() error {
	pgid := m.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-m.exited
	}
	err := m.log.Close()
	if rmErr := os.RemoveAll(m.dir); err == nil {
		err = rmErr
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}
