package sandbox

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshdDir holds the sandbox sshd's configuration and authorized key. It is
// in the sandbox's private /run, so nothing of the rig lands in the image,
// and the image's own sshd configuration (which hardening changes) neither
// locks the rig out nor shows the rig's settings to `sshd -T`.
const sshdDir = "/run/golden-sandbox"

const sshdConfig = `# golden-sandbox's own sshd; the image's /etc/ssh/sshd_config is not read.
Port %d
ListenAddress 127.0.0.1
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile ` + sshdDir + `/authorized_keys
UsePAM yes
Subsystem sftp internal-sftp
PidFile ` + sshdDir + `/sshd.pid
`

// SSHD is sshd running in a sandbox, and what a client needs to log in.
type SSHD struct {
	Host       string `json:"host"`
	Port       int    `json:"port"`
	User       string `json:"user"`
	PrivateKey string `json:"private_key"` // path of the client's ed25519 key, OpenSSH format
	KnownHosts string `json:"known_hosts"` // path of a known_hosts file pinning sshd's host keys
}

// Addr is host:port.
func (d *SSHD) Addr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.Port)) }

// ClientConfig logs in as d.User with d.PrivateKey, checking the host key
// against d.KnownHosts.
func (d *SSHD) ClientConfig() (*ssh.ClientConfig, error) {
	pemBytes, err := os.ReadFile(d.PrivateKey)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", d.PrivateKey, err)
	}
	hostKeys, err := knownhosts.New(d.KnownHosts)
	if err != nil {
		return nil, err
	}
	return &ssh.ClientConfig{
		User:            d.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         10 * time.Second,
	}, nil
}

// sshdProcess is the running sshd and the client files on the host.
type sshdProcess struct {
	cmd    *exec.Cmd
	done   chan struct{}
	keyDir string
}

// StartSSHD starts sshd in the sandbox on 127.0.0.1:port (a free port if port
// is 0), accepting only a freshly generated key for root, and returns once it
// accepts connections. Stop stops it and removes the client's files.
func (s *Sandbox) StartSSHD(ctx context.Context, port int) (*SSHD, error) {
	if s.cfg.Network != NetworkHost {
		return nil, errors.New("sshd in the sandbox needs NetworkHost: the host cannot reach a sandbox with a network of its own")
	}
	s.mu.Lock()
	if s.sshd != nil {
		s.mu.Unlock()
		return nil, errors.New("sshd already runs in this sandbox")
	}
	p := &sshdProcess{done: make(chan struct{})}
	s.sshd = p
	s.mu.Unlock()

	d, err := s.startSSHD(ctx, port, p)
	if err != nil {
		err = errors.Join(fmt.Errorf("starting sshd in the sandbox: %w", err), p.stop(ctx))
		s.mu.Lock()
		s.sshd = nil
		s.mu.Unlock()
		return nil, err
	}
	return d, nil
}

func (s *Sandbox) startSSHD(ctx context.Context, port int, p *sshdProcess) (*SSHD, error) {
	port, err := reservePort(port)
	if err != nil {
		return nil, err
	}
	for _, dir := range []string{sshdDir, "/run/sshd"} {
		if err := s.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if _, err := s.output(ctx, "ssh-keygen", "-A"); err != nil {
		return nil, fmt.Errorf("generating host keys: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	privPEM, err := ssh.MarshalPrivateKey(priv, "golden-sandbox")
	if err != nil {
		return nil, err
	}
	config := sshdDir + "/sshd_config"
	if err := s.writeFile(sshdDir+"/authorized_keys", ssh.MarshalAuthorizedKey(sshPub), 0o600); err != nil {
		return nil, err
	}
	if err := s.writeFile(config, fmt.Appendf(nil, sshdConfig, port), 0o600); err != nil {
		return nil, err
	}
	d := &SSHD{Host: "127.0.0.1", Port: port, User: "root"}
	knownHosts, err := s.knownHosts(ctx, config, d.Addr())
	if err != nil {
		return nil, err
	}
	// Named like a TempRoot, so that TempRoot removes it if this process dies.
	if p.keyDir, err = os.MkdirTemp("", fmt.Sprintf("%s%d-ssh-*", tempRootPrefix, os.Getpid())); err != nil {
		return nil, err
	}
	d.PrivateKey, d.KnownHosts = filepath.Join(p.keyDir, "id_ed25519"), filepath.Join(p.keyDir, "known_hosts")
	if err := os.WriteFile(d.PrivateKey, pem.EncodeToMemory(privPEM), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(d.KnownHosts, knownHosts, 0o644); err != nil {
		return nil, err
	}

	// sshd outlives ctx, which only bounds the start.
	if p.cmd, err = s.command(context.WithoutCancel(ctx), []string{"/usr/sbin/sshd", "-D", "-e", "-f", config}, nil); err != nil {
		return nil, err
	}
	log := &tailBuffer{max: 4096}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		p.cmd = nil
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait() // why it ended is in log
		close(p.done)
	}()
	if err := waitForSSH(ctx, d.Addr(), p.done); err != nil {
		return nil, fmt.Errorf("%w; sshd said: %s", err, log)
	}
	return d, nil
}

// knownHosts pins the host keys that sshd, run with config, will offer.
func (s *Sandbox) knownHosts(ctx context.Context, config, addr string) ([]byte, error) {
	effective, err := s.output(ctx, "/usr/sbin/sshd", "-T", "-f", config)
	if err != nil {
		return nil, fmt.Errorf("checking the sshd configuration: %w", err)
	}
	var out []byte
	for line := range strings.Lines(effective) {
		keyPath, ok := strings.CutPrefix(strings.TrimSpace(line), "hostkey ")
		if !ok {
			continue
		}
		pub, err := s.readFile(keyPath + ".pub")
		if err != nil {
			return nil, fmt.Errorf("reading sshd's host key: %w", err)
		}
		key, _, _, _, err := ssh.ParseAuthorizedKey(pub)
		if err != nil {
			return nil, fmt.Errorf("parsing %s.pub: %w", keyPath, err)
		}
		out = fmt.Appendln(out, knownhosts.Line([]string{addr}, key))
	}
	if out == nil {
		return nil, errors.New("sshd -T lists no host keys")
	}
	return out, nil
}

func (p *sshdProcess) stop(ctx context.Context) error {
	var err error
	if p.cmd != nil {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
		select {
		case <-p.done:
		case <-ctx.Done():
			err = fmt.Errorf("waiting for sshd to exit: %w", ctx.Err())
		}
	}
	if p.keyDir != "" {
		err = errors.Join(err, os.RemoveAll(p.keyDir))
	}
	return err
}

// reservePort checks that port (any free one if 0) is free on 127.0.0.1, and
// returns it.
func reservePort(port int) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("port %d on 127.0.0.1 is not free (%w): choose another port, or 0 for a free one", port, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitForSSH waits until addr answers with an SSH banner, or sshd exits.
func waitForSSH(ctx context.Context, addr string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			banner := make([]byte, 8)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = io.ReadFull(c, banner)
			c.Close()
			if err == nil && string(banner) == "SSH-2.0-" {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("sshd exited")
		case <-ctx.Done():
			return fmt.Errorf("sshd does not answer on %s: %w", addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
