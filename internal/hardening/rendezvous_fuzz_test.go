package hardening

import (
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
