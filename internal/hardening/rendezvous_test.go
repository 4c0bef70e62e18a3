package hardening

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
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
