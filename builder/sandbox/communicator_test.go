//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// hostRoot plays a sandbox on a host folder, for tests that need no root:
// paths resolve below dir (without the sandbox's symlink confinement) and
// commands run on the host.
type hostRoot struct {
	dir     string
	execErr error
}

func (h hostRoot) Exec(ctx context.Context, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if h.execErr != nil {
		return -1, h.execErr
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, stdin, stdout, stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

func (h hostRoot) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(filepath.Join(h.dir, name), flag, perm)
}

func (h hostRoot) MkdirAll(name string, perm os.FileMode) error {
	return os.MkdirAll(filepath.Join(h.dir, name), perm)
}

// newHostRoot makes a folder with an /etc/passwd whose root has home and shell.
func newHostRoot(t *testing.T, home, shell string) hostRoot {
	t.Helper()
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
	passwd := "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nroot:x:0:0:root:" + home + ":" + shell + "\n"
	must(t, os.WriteFile(filepath.Join(dir, "etc", "passwd"), []byte(passwd), 0o644))
	return hostRoot{dir: dir}
}

func runCmd(t *testing.T, c *Communicator, command, stdin string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	rc := &packersdk.RemoteCmd{Command: command, Stdout: &out, Stderr: &errOut}
	if stdin != "" {
		rc.Stdin = strings.NewReader(stdin)
	}
	if err := c.Start(t.Context(), rc); err != nil {
		t.Fatalf("Start: %v", err)
	}
	code = rc.Wait()
	return out.String(), errOut.String(), code
}

func TestCommunicatorStart(t *testing.T) {
	home := t.TempDir()
	c := newCommunicator(newHostRoot(t, home, "/bin/bash"), []string{"FOO=bar", "USER=override"})
	stdout, stderr, code := runCmd(t, c, `echo "$0|$HOME|$USER|$LOGNAME|$SHELL|$FOO"; pwd; echo err >&2; exit 3`, "")
	want := "bash|" + home + "|override|root|/bin/bash|bar\n" + home + "\n"
	if stdout != want || stderr != "err\n" || code != 3 {
		t.Errorf("got stdout %q, stderr %q, exit %d; want %q, %q, 3", stdout, stderr, code, want, "err\n")
	}

	stdout, _, code = runCmd(t, c, "cat; echo done", "in\n")
	if stdout != "in\ndone\n" || code != 0 {
		t.Errorf("with stdin: stdout %q, exit %d", stdout, code)
	}
}

func TestCommunicatorStartWithoutHome(t *testing.T) {
	c := newCommunicator(newHostRoot(t, "/nonexistent/home", "/bin/sh"), nil)
	if stdout, _, _ := runCmd(t, c, "pwd", ""); stdout != "/\n" {
		t.Errorf("without a home, commands run in %q, want /", stdout)
	}
}

func TestCommunicatorStartFails(t *testing.T) {
	r := newHostRoot(t, "/root", "/bin/sh")
	r.execErr = errors.New("the sandbox is stopped")
	_, stderr, code := runCmd(t, newCommunicator(r, nil), "true", "")
	if code != -1 || stderr != "golden-sandbox: the sandbox is stopped\n" {
		t.Errorf("got exit %d, stderr %q; want -1 and the reason", code, stderr)
	}

	noPasswd := hostRoot{dir: t.TempDir()}
	if err := newCommunicator(noPasswd, nil).Start(t.Context(), &packersdk.RemoteCmd{Command: "true"}); err == nil {
		t.Error("Start without /etc/passwd succeeded")
	}
}

func TestRootUser(t *testing.T) {
	tests := []struct {
		passwd string
		want   user
	}{
		{"root:x:0:0:root:/root:/bin/bash\n", user{home: "/root", shell: "/bin/bash"}},
		{"toor:x:0:0::/home/toor:/bin/zsh\nroot:x:0:0:root:/root:/bin/bash\n", user{home: "/home/toor", shell: "/bin/zsh"}},
		{"root:x:0:0:root::\n", user{home: "/root", shell: "/bin/sh"}},
		{"nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n", user{home: "/root", shell: "/bin/sh"}},
		{"garbage\nroot:x:0\n", user{home: "/root", shell: "/bin/sh"}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		must(t, os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "etc", "passwd"), []byte(tt.passwd), 0o644))
		got, err := newCommunicator(hostRoot{dir: dir}, nil).rootUser()
		if err != nil || got != tt.want {
			t.Errorf("rootUser with %q = %+v, %v; want %+v", tt.passwd, got, err, tt.want)
		}
	}
}

// TestTransfers checks the scp behaviours templates meet most; the
// conformance test checks them all against SSH.
func TestTransfers(t *testing.T) {
	src := sourceTree(t)
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		run   func(c *Communicator, local string) error
		want  []string // "path mode" of the sandbox's /dst and the local folder, sorted
	}{
		{
			name:  "upload into a folder",
			setup: func(t *testing.T, root string) { must(t, os.Mkdir(filepath.Join(root, "dst"), 0o755)) },
			run: func(c *Communicator, _ string) error {
				return c.Upload("/dst/f.sh", strings.NewReader("x"), ptr(os.FileInfo(fakeInfo{mode: 0o755})))
			},
			want: []string{"/dst 0755", "/dst/f.sh 0755"},
		},
		{
			name: "upload to a missing folder writes the folder's path",
			run: func(c *Communicator, _ string) error {
				return c.Upload("/dst/f.txt", strings.NewReader("x"), nil)
			},
			want: []string{"/dst 0644"},
		},
		{
			name: "upload over a file keeps its mode",
			setup: func(t *testing.T, root string) {
				must(t, os.Mkdir(filepath.Join(root, "dst"), 0o755))
				must(t, os.WriteFile(filepath.Join(root, "dst", "f"), []byte("old"), 0o600))
			},
			run: func(c *Communicator, _ string) error {
				return c.Upload("/dst/f", strings.NewReader("new"), ptr(os.FileInfo(fakeInfo{mode: 0o755})))
			},
			want: []string{"/dst 0755", "/dst/f 0600"},
		},
		{
			name:  "a folder into an existing one",
			setup: func(t *testing.T, root string) { must(t, os.Mkdir(filepath.Join(root, "dst"), 0o755)) },
			run:   func(c *Communicator, _ string) error { return c.UploadDir("/dst", src, nil) },
			want: []string{
				"/dst 0755", "/dst/src 0755", "/dst/src/a.txt 0644", "/dst/src/empty 0700", "/dst/src/link-a 0644",
				"/dst/src/link-sub 0755", "/dst/src/link-sub/b.txt 0600", "/dst/src/link-sub/deeper 0755", "/dst/src/link-sub/deeper/c.txt 0640",
				"/dst/src/run.sh 0755", "/dst/src/sub 0750", "/dst/src/sub/b.txt 0600", "/dst/src/sub/deeper 0755", "/dst/src/sub/deeper/c.txt 0640",
			},
		},
		{
			name:  "a folder's contents into an existing one",
			setup: func(t *testing.T, root string) { must(t, os.Mkdir(filepath.Join(root, "dst"), 0o711)) },
			run:   func(c *Communicator, _ string) error { return c.UploadDir("/dst", src+"/", nil) },
			want: []string{
				"/dst 0711", "/dst/a.txt 0644", "/dst/empty 0700", "/dst/link-a 0644",
				"/dst/link-sub 0755", "/dst/link-sub/b.txt 0600", "/dst/link-sub/deeper 0755", "/dst/link-sub/deeper/c.txt 0640",
				"/dst/run.sh 0755", "/dst/sub 0750", "/dst/sub/b.txt 0600", "/dst/sub/deeper 0755", "/dst/sub/deeper/c.txt 0640",
			},
		},
		{
			name: "a folder to a missing destination becomes it",
			run:  func(c *Communicator, _ string) error { return c.UploadDir("/dst", filepath.Join(src, "sub"), nil) },
			want: []string{"/dst 0750", "/dst/b.txt 0600", "/dst/deeper 0755", "/dst/deeper/c.txt 0640"},
		},
		{
			name: "download a folder, trailing slash or not",
			setup: func(t *testing.T, root string) {
				must(t, os.MkdirAll(filepath.Join(root, "srv", "data", "sub"), 0o750))
				must(t, os.WriteFile(filepath.Join(root, "srv", "data", "sub", "f"), []byte("f"), 0o600))
			},
			run: func(c *Communicator, local string) error {
				return errors.Join(c.DownloadDir("/srv/data/", local, nil), c.DownloadDir("/srv/data", local, nil))
			},
			want: []string{"data 0750", "data/sub 0750", "data/sub/f 0600"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newHostRoot(t, "/root", "/bin/sh")
			if tt.setup != nil {
				tt.setup(t, r.dir)
			}
			local := t.TempDir()
			if err := tt.run(newCommunicator(r, nil), local); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tree(t, filepath.Join(r.dir, "dst"), "/dst") {
				got = append(got, e.Path+" "+e.Mode)
			}
			for _, e := range tree(t, local, ".")[1:] {
				got = append(got, e.Path+" "+e.Mode)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTransferErrors(t *testing.T) {
	r := newHostRoot(t, "/root", "/bin/sh")
	must(t, os.MkdirAll(filepath.Join(r.dir, "d"), 0o755))
	must(t, os.WriteFile(filepath.Join(r.dir, "f"), nil, 0o644))
	c := newCommunicator(r, nil)
	var sink bytes.Buffer
	for name, err := range map[string]error{
		"download a folder":         c.Download("/d", &sink),
		"download a missing file":   c.Download("/missing", &sink),
		"upload to a missing path":  c.Upload("/a/b/c", strings.NewReader("x"), nil),
		"upload onto a folder":      c.Upload("/d", strings.NewReader("x"), nil),
		"upload a folder on a file": c.UploadDir("/f", t.TempDir(), nil),
		"download a missing folder": c.DownloadDir("/missing", t.TempDir(), nil),
		"download /":                c.DownloadDir("/", t.TempDir(), nil),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "scp: ") {
			t.Errorf("%s: got %v, want an scp: error", name, err)
		}
	}
}

// FuzzParseRootUser: any passwd file gives a home and a shell, or an error.
func FuzzParseRootUser(f *testing.F) {
	for _, s := range []string{"root:x:0:0:root:/root:/bin/bash\n", "root:x:0:0:root::\n", ":::::::\n", "a:b:0:c:d:e:f", "\x00:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, passwd string) {
		u, err := parseRootUser(strings.NewReader(passwd))
		if err == nil && (u.home == "" || u.shell == "") {
			t.Fatalf("parseRootUser(%q) = %+v", passwd, u)
		}
	})
}

func ptr[T any](v T) *T { return &v }
