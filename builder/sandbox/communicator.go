//go:build linux

package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// root is what the communicator needs of a running sandbox (*sandbox.Sandbox):
// commands, and files resolved inside the root.
type root interface {
	Exec(ctx context.Context, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
	OpenFile(name string, flag int, perm os.FileMode) (*os.File, error)
	MkdirAll(name string, perm os.FileMode) error
}

// Communicator runs the provisioners' commands and file transfers in the
// sandbox, without sshd: it behaves as Packer's SSH communicator with its
// default scp transfers does against the same root, which the conformance
// test checks. Commands run as root in root's login shell and home.
type Communicator struct {
	root root
	env  []string // NAME=value, for every command
}

var _ packersdk.Communicator = (*Communicator)(nil)

func newCommunicator(r root, env []string) *Communicator {
	return &Communicator{root: r, env: env}
}

// loginScript is what sshd does with a command: run it with the user's shell
// as `SHELL -c COMMAND` (argv[0] the shell's name) in the user's home.
const loginScript = `cd "$HOME" 2>/dev/null || cd /; exec "$SHELL" -c "$1" "$2"`

// Start runs cmd in the sandbox and returns; cmd.Wait returns its exit
// status (128+N if signal N ended it, -1 if it could not run). Cancelling ctx
// kills it.
func (c *Communicator) Start(ctx context.Context, cmd *packersdk.RemoteCmd) error {
	u, err := c.rootUser()
	if err != nil {
		return err
	}
	env := append([]string{"HOME=" + u.home, "USER=root", "LOGNAME=root", "SHELL=" + u.shell}, c.env...)
	argv := []string{"/bin/sh", "-c", loginScript, "sh", cmd.Command, path.Base(u.shell)}
	log.Printf("[DEBUG] golden-sandbox: starting remote command: %s", cmd.Command)
	// RunWithUi puts its own writers back once the command has exited: read them now.
	stdin, stdout, stderr := cmd.Stdin, cmd.Stdout, cmd.Stderr
	go func() {
		code, err := c.root.Exec(ctx, argv, env, stdin, stdout, stderr)
		if err != nil {
			log.Printf("[ERROR] golden-sandbox: %v", err)
			if stderr != nil {
				fmt.Fprintf(stderr, "golden-sandbox: %v\n", err)
			}
			code = -1
		}
		cmd.SetExited(code)
	}()
	return nil
}

// user is an account of the root's /etc/passwd.
type user struct{ home, shell string }

// rootUser reads root's home and shell from the root's /etc/passwd, as sshd
// does at every login; a provisioner may have changed them.
func (c *Communicator) rootUser() (user, error) {
	f, err := c.root.OpenFile("/etc/passwd", os.O_RDONLY, 0)
	if err != nil {
		return user{}, fmt.Errorf("reading the sandbox's /etc/passwd: %w", err)
	}
	defer f.Close()
	u, err := parseRootUser(f)
	if err != nil {
		return user{}, fmt.Errorf("reading the sandbox's /etc/passwd: %w", err)
	}
	return u, nil
}

// parseRootUser finds uid 0 in a passwd file: its home and shell, or /root
// and /bin/sh where it names none.
func parseRootUser(r io.Reader) (user, error) {
	u := user{home: "/root", shell: "/bin/sh"}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) == 7 && fields[2] == "0" {
			if fields[5] != "" {
				u.home = fields[5]
			}
			if fields[6] != "" {
				u.shell = fields[6]
			}
			return u, nil
		}
	}
	return u, sc.Err()
}

// abs resolves a path the way scp on the far side of SSH does: relative to
// root's home.
func (c *Communicator) abs(p string) (string, error) {
	if path.IsAbs(p) {
		return p, nil
	}
	u, err := c.rootUser()
	if err != nil {
		return "", err
	}
	return path.Join(u.home, p), nil
}
