package sandbox_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// sysctls are the host settings testdata/escape.sh tries to flip.
var sysctls = []string{
	"kernel/kptr_restrict", "kernel/dmesg_restrict", "fs/protected_symlinks", "fs/protected_regular",
	"vm/swappiness", "net/ipv4/ip_forward", "net/ipv4/conf/all/rp_filter",
}

// hostEtc are the host files escape.sh writes to in the sandbox's /etc. Not
// all of /etc: other work on this host (apt-get) may change it meanwhile.
var hostEtc = []string{"passwd", "shadow", "group", "hosts", "hostname", "resolv.conf", "sudoers", "fstab"}

func TestIsolation(t *testing.T) {
	sandboxtest.SkipIfShort(t)
	hostSleep := exec.Command("sleep", "300")
	hostSleep.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := hostSleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hostSleep.Process.Kill(); _ = hostSleep.Wait() }()

	before := hostState(t)
	t.Cleanup(func() { restoreSysctls(t, before.sysctls) })
	sb := sandboxtest.StartSSH(t)
	root := sb.Root()

	script, err := os.ReadFile("testdata/escape.sh")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sb.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", sb.Addr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	session.Stdin = bytes.NewReader(script)
	out, err := session.CombinedOutput("sh -s -- " + strings.Join(sysctls, " "))
	if err != nil {
		t.Fatalf("escape.sh over ssh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	attempts := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		verdict, label, _ := strings.Cut(strings.TrimSpace(line), ": ")
		attempts[label] = verdict == "allowed"
	}
	for _, label := range []string{"write /etc", "append /etc/passwd", "replace /etc/hosts", "kill -9 1"} {
		if !attempts[label] {
			t.Errorf("%s was denied in the sandbox; want it to work on the sandbox's own files and processes", label)
		}
		delete(attempts, label)
	}
	if len(attempts) < 10 {
		t.Errorf("escape.sh reported only %d attempts:\n%s", len(attempts), out)
	}
	for label, allowed := range attempts {
		if allowed && label != "kill -TERM 1" { // PID 1 ignores signals it has no handler for
			t.Errorf("%s was allowed in the sandbox", label)
		}
	}

	// Everything but PID 1 dies: sshd, the session. Host processes do not.
	if code, err := sb.Exec(t.Context(), []string{"sh", "-c", "kill -9 -1"}, nil, nil, nil, nil); err != nil || code != 0 {
		t.Errorf("kill -9 -1 = %d, %v", code, err)
	}
	if code, err := sb.Exec(t.Context(), []string{"true"}, nil, nil, nil, nil); err != nil || code != 0 {
		t.Errorf("the sandbox died of kill -9 1 / kill -9 -1: %d, %v", code, err)
	}
	if err := hostSleep.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a host process died of kill -9 -1 in the sandbox: %v", err)
	}

	// The sandbox's /etc took the writes.
	for name, want := range map[string]string{"etc/golden-sandbox-evil": "evil\n", "etc/hosts": "192.0.2.1 evil\n"} {
		if got, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(got) != want {
			t.Errorf("sandbox %s = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat("/etc/golden-sandbox-evil"); err == nil {
		t.Error("/etc/golden-sandbox-evil exists on the host")
	}

	if err := sb.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := hostState(t)
	if diff := cmp.Diff(before, after, cmp.AllowUnexported(host{})); diff != "" {
		t.Errorf("the host changed (-before +after):\n%s", diff)
	}
	for _, m := range after.mounts {
		if strings.HasPrefix(m, root) {
			t.Errorf("mount left under the sandbox root: %s", m)
		}
	}
	if pids := processesUnder(root); len(pids) > 0 {
		t.Errorf("processes %v left in the sandbox root", pids)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("sandbox root %s left: %v", root, err)
	}
}

// host is what of the host a sandbox must not change.
type host struct {
	sysctls  map[string]string
	etc      map[string]string // file → sha256
	mounts   []string          // mount point, type, source and options, sorted
	hostname string
}

func hostState(t *testing.T) host {
	t.Helper()
	h := host{sysctls: map[string]string{}, etc: map[string]string{}}
	for _, key := range append(slices.Clone(sysctls), "kernel/hostname", "kernel/domainname") {
		b, err := os.ReadFile("/proc/sys/" + key)
		if err != nil {
			t.Fatal(err)
		}
		h.sysctls[key] = strings.TrimSpace(string(b))
	}
	for _, name := range hostEtc {
		b, err := os.ReadFile("/etc/" + name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		h.etc[name] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID, parent ID and major:minor change when something is remounted.
		fields := strings.Fields(sc.Text())
		h.mounts = append(h.mounts, strings.Join(fields[4:], " "))
	}
	slices.Sort(h.mounts)
	if h.hostname, err = os.Hostname(); err != nil {
		t.Fatal(err)
	}
	return h
}

// restoreSysctls puts back what a failed isolation test may have changed.
func restoreSysctls(t *testing.T, want map[string]string) {
	for _, key := range sysctls {
		if b, err := os.ReadFile("/proc/sys/" + key); err == nil && strings.TrimSpace(string(b)) != want[key] {
			t.Errorf("restoring the host's %s to %s", key, want[key])
			_ = os.WriteFile("/proc/sys/"+key, []byte(want[key]), 0o644)
		}
	}
}

// processesUnder lists the processes whose root directory is dir or below.
func processesUnder(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		if r, err := os.Readlink("/proc/" + e.Name() + "/root"); err == nil && (r == dir || strings.HasPrefix(r, dir+"/")) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
