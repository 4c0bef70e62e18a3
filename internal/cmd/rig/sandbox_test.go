package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

func TestServeSandbox(t *testing.T) {
	sandboxtest.SkipIfShort(t)
	stateFile := filepath.Join(t.TempDir(), "sandbox.json")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serveSandbox(ctx, []string{"-state-file", stateFile}, io.Discard) }()

	var state sandboxState
	for deadline := time.Now().Add(3 * time.Minute); ; { // the first run debootstraps
		b, err := os.ReadFile(stateFile)
		if err == nil {
			if err := json.Unmarshal(b, &state); err != nil {
				t.Fatalf("state file %s: %v", b, err)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("rig sandbox ended before writing its state file: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no state file after 3 minutes")
		}
	}
	if state.SSHD == nil || state.Root == "" || state.PID == 0 || state.Host != "127.0.0.1" || state.User != "root" {
		t.Fatalf("state file lacks fields: %+v", state)
	}

	cfg, err := state.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", state.Addr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	session, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := session.CombinedOutput("hostname")
	client.Close()
	if err != nil || string(out) != "sandbox\n" {
		t.Errorf("ssh hostname = %q, %v", out, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("rig sandbox: %v", err)
	}
	for _, f := range []string{stateFile, state.Root, state.PrivateKey} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left after rig sandbox ended", f)
		}
	}
}
