package hardening

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRendezvousPath(t *testing.T) {
	tests := []struct {
		run, build, want string
	}{
		{"6d1f4c2a-1111", "amazon-ebs.golden", "/r/6d1f4c2a-1111/amazon-ebs.golden.json"},
		{"6d1f4c2a-1111", "amazon-ebs.a b", "/r/6d1f4c2a-1111/amazon-ebs.a_b-a83e62c4.json"},
		{"6d1f4c2a-1111", "amazon-ebs.a_b", "/r/6d1f4c2a-1111/amazon-ebs.a_b.json"},
		{"6d1f4c2a-1111", "../../etc/passwd", "/r/6d1f4c2a-1111/.._.._etc_passwd-3754d6cb.json"},
		{"6d1f4c2a-1111", "..", "/r/6d1f4c2a-1111/..-5ec1f7e7.json"},
	}
	for _, tt := range tests {
		got, err := RendezvousPath("/r", tt.run, tt.build)
		if err != nil {
			t.Errorf("RendezvousPath(%q, %q): %v", tt.run, tt.build, err)
			continue
		}
		if got != tt.want {
			t.Errorf("RendezvousPath(%q, %q) = %s, want %s", tt.run, tt.build, got, tt.want)
		}
	}
	for _, bad := range [][2]string{{"", "b"}, {"../x", "b"}, {"a/b", "b"}, {"run", ""}} {
		if _, err := RendezvousPath("/r", bad[0], bad[1]); !errors.Is(err, ErrRendezvousKey) {
			t.Errorf("RendezvousPath(%q, %q): %v, want ErrRendezvousKey", bad[0], bad[1], err)
		}
	}
	if p, _ := RendezvousPath("", "run", "b"); p != filepath.Join(os.TempDir(), "packer-golden-harden", "run", "b.json") {
		t.Errorf("default dir: %s", p)
	}
}

func TestRendezvousRoundTrip(t *testing.T) {
	path, err := RendezvousPath(t.TempDir(), "run-1", "null.x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRendezvous(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading a missing report: %v, want fs.ErrNotExist", err)
	}
	r := fixtureReport(t)
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRendezvous(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != sha256Hex(data) || got.Report.Verdict != r.Verdict || got.Path != path {
		t.Errorf("rendezvous %+v", got)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, %v", fi.Mode(), err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRendezvous(path); !errors.Is(err, ErrInvalidReport) {
		t.Errorf("reading a cut report: %v, want ErrInvalidReport", err)
	}
}

// TestWriteFileAtomic has readers racing a writer: each sees a whole report.
func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	data, err := fixtureReport(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; i < 200; i++ {
			if err := WriteFileAtomic(path, data, 0o600); err != nil {
				t.Error(err)
				break
			}
		}
		close(stop)
	})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := ReadRendezvous(path); err != nil {
				t.Errorf("a reader saw a partial report: %v", err)
				return
			}
		}
	})
	wg.Wait()
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestParseStatStart(t *testing.T) {
	tail := " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 20 21"
	tests := []struct {
		stat string
		want uint64 // 0: an error
	}{
		{"123 (packer)" + tail, 4242},
		{"123 (a) b (c))" + tail, 4242},
		{"123 (with spaces)" + tail + "\n", 4242},
		{"123 packer" + tail, 0},
		{"123 (packer) S 1 2 3", 0},
		{"123 (packer) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x 20", 0},
		{"123 (packer) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 0 20", 0},
		{"", 0},
	}
	for _, tt := range tests {
		got, err := parseStatStart(tt.stat)
		if got != tt.want || (err == nil) != (tt.want != 0) {
			t.Errorf("parseStatStart(%q) = %d, %v; want %d", tt.stat, got, err, tt.want)
		}
	}
	if start, err := procStart(os.Getpid()); err != nil || start == 0 {
		t.Errorf("procStart(self) = %d, %v: this test runs on Linux", start, err)
	}
}

func TestParseOwner(t *testing.T) {
	tests := []struct {
		in    string
		pid   int
		start uint64
		ok    bool
	}{
		{"123 4567\n", 123, 4567, true},
		{"123 0", 123, 0, true},
		{"123", 0, 0, false},
		{"0 5", 0, 0, false},
		{"-1 5", 0, 0, false},
		{"x 5", 0, 0, false},
		{"1 -5", 0, 0, false},
		{"1 2 3", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		pid, start, ok := parseOwner(tt.in)
		if ok != tt.ok || ok && (pid != tt.pid || start != tt.start) {
			t.Errorf("parseOwner(%q) = %d, %d, %v; want %d, %d, %v", tt.in, pid, start, ok, tt.pid, tt.start, tt.ok)
		}
	}
}

// exitedOwner is the owner line of a process that has exited.
func exitedOwner(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	owner := processOwner(cmd.Process.Pid)
	cmd.Process.Kill()
	cmd.Wait()
	return owner
}

func TestSweepRendezvous(t *testing.T) {
	dir := t.TempDir()
	dead, self := exitedOwner(t), processOwner(os.Getpid())
	old := time.Now().Add(-MaxRendezvousAge - time.Hour)
	write := func(name, file, content string) string {
		t.Helper()
		p := filepath.Join(dir, name, file)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, name)
	}
	folder := func(name, owner string, files ...string) string {
		t.Helper()
		run := write(name, "amazon-ebs.x.json", "{}")
		if owner != "" {
			write(name, ownerFile, owner)
		}
		for _, f := range files {
			write(name, f, "")
		}
		return run
	}
	pid := strings.Fields(self)[0]
	want := map[string]bool{ // folder: swept
		folder("run-dead", dead, ".amazon-ebs.y.json.123"): true,
		folder("run-pid-reused", pid+" 1"):                 true,
		folder("run-live", self):                           false,
		folder("run-no-start-time", pid+" 0"):              false,
		folder("run-no-owner", ""):                         false,
		folder("run-keep", dead):                           false,
		folder("run-other-files", dead, "notes.txt"):       false,
		folder("run with spaces", dead):                    false,
	}
	oldNoOwner := folder("run-old-no-owner", "")
	oldUnknown := folder("run-old-no-start-time", pid+" 0")
	for _, run := range []string{oldNoOwner, oldUnknown} {
		if err := os.Chtimes(run, old, old); err != nil {
			t.Fatal(err)
		}
		want[run] = true
	}
	// Not folders of ours: a link to a dead run's folder, and a file.
	elsewhere := t.TempDir()
	os.WriteFile(filepath.Join(elsewhere, ownerFile), []byte(dead), 0o600)
	if err := os.Symlink(elsewhere, filepath.Join(dir, "run-link")); err != nil {
		t.Fatal(err)
	}
	want[filepath.Join(dir, "run-link")] = false
	os.WriteFile(filepath.Join(dir, "run-file"), []byte(dead), 0o600)
	want[filepath.Join(dir, "run-file")] = false

	removed := SweepRendezvous(dir, "run-keep", time.Now())
	for run, swept := range want {
		_, err := os.Lstat(run)
		if gone := errors.Is(err, fs.ErrNotExist); gone != swept {
			t.Errorf("%s: removed = %v, want %v", filepath.Base(run), gone, swept)
		}
		if swept != slices.Contains(removed, run) {
			t.Errorf("%s: in the removed list = %v, want %v", filepath.Base(run), !swept, swept)
		}
	}
	if _, err := os.Stat(filepath.Join(elsewhere, ownerFile)); err != nil {
		t.Errorf("the link's target was touched: %v", err)
	}
	if got := SweepRendezvous(filepath.Join(dir, "missing"), "", time.Now()); got != nil {
		t.Errorf("a missing directory: %v", got)
	}
}

func TestWriteRendezvous(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "run-0", "amazon-ebs.old.json")
	if err := WriteFileAtomic(stale, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run-0", ownerFile), []byte(exitedOwner(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	path, err := WriteRendezvous(dir, "run-1", "amazon-ebs.new", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "run-1", "amazon-ebs.new.json") {
		t.Errorf("path = %s", path)
	}
	owner, err := os.ReadFile(filepath.Join(dir, "run-1", ownerFile))
	if err != nil || string(owner) != processOwner(os.Getppid()) {
		t.Errorf("owner file: %q, %v; want the parent's, %q", owner, err, processOwner(os.Getppid()))
	}
	if _, err := os.Stat(filepath.Dir(stale)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the folder of a run whose packer exited is still there: %v", err)
	}
	if _, err := WriteRendezvous(dir, "../x", "b", nil); !errors.Is(err, ErrRendezvousKey) {
		t.Errorf("a bad run id: %v, want ErrRendezvousKey", err)
	}
}
