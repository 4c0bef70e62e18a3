package sandbox_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/goldenami/packer-plugin-golden/internal/sandbox"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

func TestSSHD(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Config{})

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	busyPort := busy.Addr().(*net.TCPAddr).Port
	_, err = sb.StartSSHD(t.Context(), busyPort)
	if want := "port " + strconv.Itoa(busyPort) + " on 127.0.0.1 is not free"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("StartSSHD on a busy port = %v, want an error saying %q", err, want)
	}
	busy.Close()

	d, err := sb.StartSSHD(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.StartSSHD(t.Context(), 0); err == nil {
		t.Error("a second StartSSHD succeeded")
	}
	cfg, err := d.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", d.Addr(), cfg)
	if err != nil {
		t.Fatalf("ssh %s@%s: %v", d.User, d.Addr(), err)
	}
	session, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := session.CombinedOutput("id -un; hostname; ls /root/.ssh/authorized_keys /etc/ssh/sshd_config.d/*.conf 2>/dev/null | wc -l")
	client.Close()
	// Nothing of the rig lands in the image: no key, no sshd drop-in.
	if want := "root\nsandbox\n0\n"; err != nil || string(out) != want {
		t.Errorf("ssh session output = %q, %v; want %q", out, err, want)
	}

	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(stranger)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.HostKeyCallback(d.Addr(), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: d.Port}, signer.PublicKey()); err == nil {
		t.Error("known_hosts accepts a stranger's host key")
	}

	if err := sb.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if l, err := net.Listen("tcp", d.Addr()); err != nil {
		t.Errorf("port %d after Stop: %v", d.Port, err)
	} else {
		l.Close()
	}
	for _, f := range []string{d.PrivateKey, d.KnownHosts} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left after Stop", f)
		}
	}
}
