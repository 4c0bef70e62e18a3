//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	packerssh "github.com/hashicorp/packer-plugin-sdk/sdk-internals/communicator/ssh"

	nsbox "github.com/goldenami/packer-plugin-golden/internal/sandbox"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// The conformance suite runs each case through Packer's SSH communicator,
// configured as Packer configures it (scp transfers, no pty, agent
// forwarding off), against sshd in one sandbox, and through Communicator
// against an identical sandbox; both must give the same result: output,
// exit code, whether it failed, and the files it left on either side.

// target is one side of the comparison.
type target struct {
	name  string
	comm  packersdk.Communicator
	sb    *nsbox.Sandbox
	local string // the host folder downloads go to
	src   string // the host tree uploads come from (the same for both)
}

// result is what a case observed; the two sides must be equal.
type result struct {
	Stdout, Stderr string
	Exit           int
	Failed         bool
	Remote         []entry // /tmp/conf and /root/conf-* in the sandbox
	Local          []entry // target.local
}

// entry is one file of a tree, as far as a transfer decides it.
type entry struct {
	Path, Type, Mode string
	UID, GID         uint32
	Content          string // short content, or its size and sha256
	Link             string
}

type conformanceCase struct {
	name  string
	setup string // shell run in the sandbox first, in a fresh /tmp/conf
	run   func(t *testing.T, x *target, r *result)
}

// Paths the cases use.
const (
	confDir = "/tmp/conf"
	relName = "conf-rel" // relative paths land in root's home
)

func TestConformance(t *testing.T) {
	sandboxtest.SkipIfShort(t)
	ssh := sandboxtest.StartSSH(t)
	sshComm := sshCommunicator(t, ssh.SSHD)
	sb := sandboxtest.Start(t, nsbox.Config{})
	src := sourceTree(t)
	targets := []*target{
		{name: "ssh", comm: sshComm, sb: ssh.Sandbox, src: src},
		{name: "sandbox", comm: newCommunicator(sb, nil), sb: sb, src: src},
	}
	var summary []string
	for _, c := range conformanceCases() {
		ok := t.Run(c.name, func(t *testing.T) {
			var got []result
			for _, x := range targets {
				x.local = t.TempDir()
				reset(t, x.sb, c.setup)
				var r result
				c.run(t, x, &r)
				r.Remote = append(tree(t, filepath.Join(x.sb.Root(), confDir), confDir), homeEntries(t, x.sb)...)
				r.Local = tree(t, x.local, ".")
				got = append(got, r)
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("ssh (-) and sandbox (+) differ:\n%s", diff)
			}
			summary = append(summary, fmt.Sprintf("%-45s exit=%d failed=%v remote=%d local=%d", c.name, got[1].Exit, got[1].Failed, len(got[1].Remote), len(got[1].Local)))
		})
		if !ok {
			summary = append(summary, fmt.Sprintf("%-45s DIFFERS", c.name))
		}
	}
	t.Logf("conformance, %d cases:\n%s", len(summary), strings.Join(summary, "\n"))

	// The one deliberate difference: the SDK's scp client reads a downloaded
	// file's name up to its first space; Communicator keeps the name.
	t.Run("known difference/downloaddir of a name with a space", func(t *testing.T) {
		want := map[string][]string{"ssh": {".", "d", "d/with"}, "sandbox": {".", "d", "d/with space.txt"}}
		for _, x := range targets {
			x.local = t.TempDir()
			reset(t, x.sb, "mkdir d; printf 'x\\n' > 'd/with space.txt'")
			if err := x.comm.DownloadDir(confDir+"/d", x.local, nil); err != nil {
				t.Errorf("%s: DownloadDir: %v", x.name, err)
			}
			var got []string
			for _, e := range tree(t, x.local, ".") {
				got = append(got, e.Path)
			}
			if diff := cmp.Diff(want[x.name], got); diff != "" {
				t.Errorf("%s downloaded (-want +got):\n%s", x.name, diff)
			}
		}
	})
}

// sshCommunicator connects as Packer's StepConnectSSH does with the
// defaults of a template that sets only host, port, user and key.
func sshCommunicator(t *testing.T, d *nsbox.SSHD) packersdk.Communicator {
	t.Helper()
	cc, err := d.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	comm, err := packerssh.New(d.Addr(), &packerssh.Config{
		Connection:             packerssh.ConnectFunc("tcp", d.Addr()),
		SSHConfig:              cc,
		DisableAgentForwarding: true, // the test's agent, if any, stays out
		KeepAliveInterval:      5 * time.Second,
	})
	if err != nil {
		t.Fatalf("connecting to the sandbox's sshd: %v", err)
	}
	return comm
}

// sourceTree is the host tree the directory uploads send.
func sourceTree(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	files := []struct {
		name string
		mode os.FileMode
		body string
	}{
		{"a.txt", 0o644, "a\n"},
		{"run.sh", 0o755, "#!/bin/sh\necho run\n"},
		{"sub/b.txt", 0o600, "b\n"},
		{"sub/deeper/c.txt", 0o640, "c\n"},
	}
	for _, f := range files {
		p := filepath.Join(src, f.name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(f.body), f.mode))
		must(t, os.Chmod(p, f.mode))
	}
	must(t, os.Chmod(filepath.Join(src, "sub"), 0o750))
	must(t, os.Mkdir(filepath.Join(src, "empty"), 0o700))
	must(t, os.Chmod(filepath.Join(src, "empty"), 0o700))
	must(t, os.Symlink("a.txt", filepath.Join(src, "link-a")))
	must(t, os.Symlink("sub", filepath.Join(src, "link-sub")))
	return src
}

// reset empties /tmp/conf and root's conf-* files, then runs setup there.
func reset(t *testing.T, sb *nsbox.Sandbox, setup string) {
	t.Helper()
	script := fmt.Sprintf("set -e; rm -rf %s /root/%s*; mkdir %s; cd %s; %s", confDir, relName, confDir, confDir, setup)
	var out bytes.Buffer
	code, err := sb.Exec(t.Context(), []string{"/bin/sh", "-c", script}, nil, nil, &out, &out)
	if err != nil || code != 0 {
		t.Fatalf("setting up: exit %d, %v: %s", code, err, out.String())
	}
}

// run runs cmd through x's communicator and records its output and status.
func (x *target) run(t *testing.T, r *result, cmd string, stdin string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	rc := &packersdk.RemoteCmd{Command: cmd, Stdout: &stdout, Stderr: &stderr}
	if stdin != "" {
		rc.Stdin = strings.NewReader(stdin)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := x.comm.Start(ctx, rc); err != nil {
		r.Failed = true
		return
	}
	r.Exit = rc.Wait()
	r.Stdout, r.Stderr = digestIfLong(stdout.Bytes()), digestIfLong(stderr.Bytes())
}

func (x *target) upload(r *result, dst, body string, mode os.FileMode, withInfo bool) {
	var fi *os.FileInfo
	if withInfo {
		info := os.FileInfo(fakeInfo{mode: mode, size: int64(len(body))})
		fi = &info
	}
	r.Failed = x.comm.Upload(dst, strings.NewReader(body), fi) != nil
}

func (x *target) download(r *result, src string) {
	var out bytes.Buffer
	r.Failed = x.comm.Download(src, &out) != nil
	r.Stdout = digestIfLong(out.Bytes())
}

// fakeInfo is the FileInfo the file provisioner passes: a host file's Stat.
type fakeInfo struct {
	mode os.FileMode
	size int64
}

func (f fakeInfo) Name() string       { return "upload" }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() os.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

// remoteTree is a tree the download cases fetch.
const remoteTree = `mkdir -p tree/sub/deeper tree/empty
printf 'a\n' > tree/a.txt; chmod 640 tree/a.txt
printf '#!/bin/sh\n' > tree/run.sh; chmod 755 tree/run.sh
printf 'b\n' > tree/sub/b.txt; chmod 600 tree/sub/b.txt
printf 'c\n' > tree/sub/deeper/c.txt
chmod 750 tree/sub; chmod 700 tree/empty
ln -s a.txt tree/link-a; ln -s sub tree/link-sub; ln -s /tmp/conf/tree/a.txt tree/abs-link`

func conformanceCases() []conformanceCase {
	cmd := func(command, stdin string) func(*testing.T, *target, *result) {
		return func(t *testing.T, x *target, r *result) { x.run(t, r, command, stdin) }
	}
	upload := func(dst, body string, mode os.FileMode, withInfo bool) func(*testing.T, *target, *result) {
		return func(_ *testing.T, x *target, r *result) { x.upload(r, dst, body, mode, withInfo) }
	}
	uploadDir := func(dst string, slash bool) func(*testing.T, *target, *result) {
		return func(_ *testing.T, x *target, r *result) {
			src := x.src
			if slash {
				src += "/"
			}
			r.Failed = x.comm.UploadDir(dst, src, nil) != nil
		}
	}
	download := func(src string) func(*testing.T, *target, *result) {
		return func(_ *testing.T, x *target, r *result) { x.download(r, src) }
	}
	downloadDir := func(src, dst string) func(*testing.T, *target, *result) {
		return func(_ *testing.T, x *target, r *result) {
			r.Failed = x.comm.DownloadDir(src, filepath.Join(x.local, dst), nil) != nil
		}
	}
	return []conformanceCase{
		// Commands.
		{name: "start/stdout", run: cmd("echo hello; echo world", "")},
		{name: "start/exit code", run: cmd("exit 42", "")},
		{name: "start/stderr and exit code", run: cmd("echo out; echo err >&2; exit 3", "")},
		{name: "start/interleaved streams", run: cmd("for i in 1 2 3; do echo o$i; echo e$i >&2; done", "")},
		{name: "start/killed by a signal", run: cmd("kill -9 $$", "")},
		{name: "start/login environment", run: cmd(`echo "home=$HOME user=$USER logname=$LOGNAME shell=$SHELL path=$PATH zero=$0"; pwd; id; umask`, "")},
		{name: "start/non-login bash", run: cmd(`shopt -q login_shell && echo login || echo non-login; echo "${BASH_VERSION:+bash}"; case $- in *i*) echo interactive;; esac`, "")},
		{name: "start/stdin", run: cmd("cat; echo done", "line 1\nline 2\n")},
		{name: "start/no stdin", run: cmd("cat; echo done", "")},
		{name: "start/large stdout", run: cmd("seq 1 2000000", "")},
		{name: "start/large stderr", run: cmd("seq 1 300000 >&2", "")},
		{name: "start/no tty", run: cmd("tty; echo $?", "")},
		{name: "start/command not found", run: cmd("no-such-command", "")},
		{name: "start/sudo as root", run: cmd("sudo -n id -u", "")},
		{name: "start/background child", run: cmd("sleep 1 & echo started", "")},
		{name: "start/script file", setup: `printf '#!/bin/sh\necho "args: $*"; exit 7\n' > s.sh; chmod +x s.sh`, run: cmd("/tmp/conf/s.sh a 'b c'", "")},
		// Upload.
		{name: "upload/into a directory", run: upload(confDir+"/f.txt", "body\n", 0o640, true)},
		{name: "upload/without file info", run: upload(confDir+"/f.txt", "body\n", 0, false)},
		{name: "upload/executable", run: upload(confDir+"/f.sh", "#!/bin/sh\n", 0o755, true)},
		{name: "upload/read-only", run: upload(confDir+"/f.txt", "ro\n", 0o444, true)},
		{name: "upload/empty", run: upload(confDir+"/empty", "", 0o644, true)},
		{name: "upload/name with a space", run: upload(confDir+"/with space.txt", "x\n", 0o644, true)},
		{name: "upload/over an existing file keeps its mode", setup: "printf 'old and longer\\n' > f.txt; chmod 600 f.txt", run: upload(confDir+"/f.txt", "new\n", 0o755, true)},
		{name: "upload/to a missing folder", run: upload(confDir+"/missing/f.txt", "body\n", 0o644, true)},
		{name: "upload/to a missing parent", run: upload(confDir+"/a/b/f.txt", "body\n", 0o644, true)},
		{name: "upload/onto a directory", setup: "mkdir d", run: upload(confDir+"/d", "body\n", 0o644, true)},
		{name: "upload/to a trailing slash", run: upload(confDir+"/", "body\n", 0o644, true)},
		{name: "upload/through a relative symlink", setup: "mkdir real; ln -s real link", run: upload(confDir+"/link/f.txt", "body\n", 0o644, true)},
		{name: "upload/through an absolute symlink", setup: "mkdir real; ln -s /tmp/conf/real link", run: upload(confDir+"/link/f.txt", "body\n", 0o644, true)},
		{name: "upload/relative path", run: upload(relName+".txt", "rel\n", 0o600, true)},
		// UploadDir.
		{name: "uploaddir/into an existing directory", setup: "mkdir dst", run: uploadDir(confDir+"/dst", false)},
		{name: "uploaddir/contents into an existing directory", setup: "mkdir dst", run: uploadDir(confDir+"/dst", true)},
		{name: "uploaddir/to a missing directory", run: uploadDir(confDir+"/dst", false)},
		{name: "uploaddir/contents to a missing directory", run: uploadDir(confDir+"/dst", true)},
		{name: "uploaddir/to a trailing-slash destination", setup: "mkdir dst", run: uploadDir(confDir+"/dst/", false)},
		{name: "uploaddir/merge into an earlier copy", setup: "mkdir -p dst/src/sub; printf 'old\\n' > dst/src/a.txt; chmod 666 dst/src/a.txt; printf 'keep\\n' > dst/src/keep; chmod 711 dst/src/sub", run: uploadDir(confDir+"/dst", false)},
		{name: "uploaddir/onto a file", setup: "touch dst", run: uploadDir(confDir+"/dst", false)},
		{name: "uploaddir/contents onto a file", setup: "touch dst", run: uploadDir(confDir+"/dst", true)},
		{name: "uploaddir/to a missing parent", run: uploadDir(confDir+"/a/b", false)},
		{name: "uploaddir/relative destination", setup: "mkdir /root/" + relName, run: uploadDir(relName, false)},
		{name: "uploaddir/missing source", run: func(_ *testing.T, x *target, r *result) {
			r.Failed = x.comm.UploadDir(confDir, filepath.Join(x.src, "missing"), nil) != nil
		}},
		// Download.
		{name: "download/a file", setup: "printf 'content\\n' > f; chmod 600 f", run: download(confDir + "/f")},
		{name: "download/an empty file", setup: ": > f", run: download(confDir + "/f")},
		{name: "download/a large file", setup: "seq 1 1000000 > f", run: download(confDir + "/f")},
		{name: "download/a missing file", run: download(confDir + "/missing")},
		{name: "download/a directory", setup: "mkdir d", run: download(confDir + "/d")},
		{name: "download/a symlink", setup: "printf 'target\\n' > t; ln -s t l", run: download(confDir + "/l")},
		{name: "download/a file with a trailing slash", setup: "printf 'x\\n' > f", run: download(confDir + "/f/")},
		{name: "download/a device", run: download("/dev/null")},
		{name: "download/relative path", setup: "printf 'rel\\n' > /root/" + relName, run: download(relName)},
		// DownloadDir.
		{name: "downloaddir/into an existing folder", setup: remoteTree, run: downloadDir(confDir+"/tree", "")},
		{name: "downloaddir/with a trailing slash", setup: remoteTree, run: downloadDir(confDir+"/tree/", "")},
		{name: "downloaddir/into a missing folder", setup: remoteTree, run: downloadDir(confDir+"/tree", "new/deep")},
		{name: "downloaddir/a file", setup: "printf 'x\\n' > f; chmod 640 f", run: downloadDir(confDir+"/f", "")},
		{name: "downloaddir/a file into a missing folder", setup: "printf 'x\\n' > f", run: downloadDir(confDir+"/f", "new")},
		{name: "downloaddir/missing", run: downloadDir(confDir+"/missing", "")},
		{name: "downloaddir/with a dangling symlink", setup: "mkdir d; ln -s nowhere d/dangling", run: downloadDir(confDir+"/d", "")},
		{name: "downloaddir/relative path", setup: "mkdir /root/" + relName + "; printf 'r\\n' > /root/" + relName + "/f", run: downloadDir(relName, "")},
		{name: "downloaddir/over earlier files", setup: remoteTree, run: func(t *testing.T, x *target, r *result) {
			must(t, os.MkdirAll(filepath.Join(x.local, "tree", "sub"), 0o711))
			must(t, os.WriteFile(filepath.Join(x.local, "tree", "a.txt"), []byte("old and longer\n"), 0o666))
			must(t, os.WriteFile(filepath.Join(x.local, "tree", "keep"), []byte("keep\n"), 0o600))
			r.Failed = x.comm.DownloadDir(confDir+"/tree", x.local, nil) != nil
		}},
	}
}

// tree lists dir as entries named below name, in lexical order.
func tree(t *testing.T, dir, name string) []entry {
	t.Helper()
	var out []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, describe(t, p, filepath.Join(name, rel)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// homeEntries lists what the relative-path cases leave in root's home.
func homeEntries(t *testing.T, sb *nsbox.Sandbox) []entry {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(sb.Root(), "root", relName+"*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	for _, m := range matches {
		out = append(out, tree(t, m, "/root/"+filepath.Base(m))...)
	}
	return out
}

func describe(t *testing.T, p, name string) entry {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	e := entry{Path: name, Mode: fmt.Sprintf("%04o", st.Mode&0o7777), UID: st.Uid, GID: st.Gid}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		e.Type = "symlink"
		e.Link, err = os.Readlink(p)
		e.Mode = "" // a symlink's mode means nothing on Linux
	case fi.IsDir():
		e.Type = "dir"
	case fi.Mode().IsRegular():
		e.Type = "file"
		var b []byte
		b, err = os.ReadFile(p)
		e.Content = digestIfLong(b)
	default:
		e.Type = fi.Mode().Type().String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func digestIfLong(b []byte) string {
	if len(b) <= 512 {
		return string(b)
	}
	return fmt.Sprintf("%d bytes, sha256 %x", len(b), sha256.Sum256(b))
}
