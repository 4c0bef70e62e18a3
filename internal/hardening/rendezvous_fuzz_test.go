package hardening

import (
	"fmt"
	"path/filepath"
	"testing"
)

// FuzzRendezvousPath: build names come from templates, run ids from the
// environment; no pair may name a file outside the run's directory, and
// different names never share a file.
func FuzzRendezvousPath(f *testing.F) {
	f.Add("0b8a5f7e-5b1a-4c1e-9c3a-2f1e0d9c8b7a", "amazon-ebs.seal", "amazon-ebs_seal")
	f.Add("run", "..", "../x")
	f.Add("run", "a/b", "a_b")
	f.Fuzz(func(t *testing.T, run, a, b string) {
		pa, errA := RendezvousPath("/r", run, a)
		pb, errB := RendezvousPath("/r", run, b)
		for _, p := range []struct {
			path string
			err  error
		}{{pa, errA}, {pb, errB}} {
			if p.err == nil && filepath.Dir(p.path) != filepath.Join("/r", run) {
				t.Fatalf("RendezvousPath(/r, %q, …) = %s, outside /r/%s", run, p.path, run)
			}
		}
		if errA == nil && errB == nil && a != b && pa == pb {
			t.Fatalf("build names %q and %q share %s", a, b, pa)
		}
	})
}

// FuzzParseOwner: owner files and /proc stat lines are read from disk; no
// content may panic, and what parses is what was written.
func FuzzParseOwner(f *testing.F) {
	f.Add("123 4567\n")
	f.Add("123 (a) b) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 20")
	f.Add("-1 x")
	f.Fuzz(func(t *testing.T, s string) {
		if pid, start, ok := parseOwner(s); ok {
			if p2, s2, ok2 := parseOwner(fmt.Sprintf("%d %d", pid, start)); !ok2 || p2 != pid || s2 != start {
				t.Fatalf("parseOwner(%q) = %d %d, which does not read back", s, pid, start)
			}
		}
		if start, err := parseStatStart(s); err == nil && start == 0 {
			t.Fatalf("parseStatStart(%q) = 0 without an error", s)
		}
	})
}
