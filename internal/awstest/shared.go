package awstest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// shared is the one rig of a test binary that uses Main and Shared.
var shared struct {
	sync.Mutex
	main   bool
	rig    *Rig
	err    error
	logDir string
}

// Main runs a package's tests and then stops the rig Shared started:
//
//	func TestMain(m *testing.M) { awstest.Main(m) }
func Main(m *testing.M) {
	shared.Lock()
	shared.main = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	if shared.rig != nil {
		shared.rig.Close()
	}
	if code == 0 && shared.logDir != "" {
		os.RemoveAll(shared.logDir)
	}
	shared.Unlock()
	os.Exit(code)
}

// Shared returns the test binary's one rig, started at the first call (about
// a second faster per test than Start) and reset for t. Tests that use it must
// not run in parallel with each other. Like Start, it fails t at its end when
// moto's log shows a call moto does not implement.
func Shared(t testing.TB) *Rig {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.main {
		t.Fatal("awstest.Shared needs func TestMain(m *testing.M) { awstest.Main(m) } in the package's tests, which stops the rig")
	}
	if shared.rig == nil && shared.err == nil {
		shared.logDir, shared.err = os.MkdirTemp("", "golden-awstest-")
		if shared.err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			shared.rig, shared.err = Launch(ctx, WithLogFile(filepath.Join(shared.logDir, "moto.log")))
		}
	}
	if shared.err != nil {
		t.Fatalf("starting the AWS stand-in: %v", shared.err)
	}
	r := shared.rig
	if err := r.Reset(t.Context()); err != nil {
		t.Fatalf("resetting the AWS stand-in: %v", err)
	}
	t.Cleanup(func() {
		r.FailOnNotImplemented(t)
		if t.Failed() {
			r.report(t)
		}
	})
	return r
}
