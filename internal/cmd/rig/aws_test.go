package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// rig aws serves until cancelled, publishes its state for scripts, and
// leaves nothing behind.
func TestServeAWS(t *testing.T) {
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "aws.json")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- serveAWS(ctx, []string{"-state-file", stateFile, "-log", filepath.Join(dir, "moto.log")}, &out)
	}()

	var state awsState
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(stateFile); err == nil {
			if err := json.Unmarshal(b, &state); err != nil {
				t.Fatalf("state file: %v", err)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("rig aws ended before writing its state: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no state file after 30s")
		}
	}
	if state.SourceAMI.ID != awstest.SourceAMIID || state.PID != os.Getpid() || !strings.HasPrefix(state.Endpoint, "http://127.0.0.1:") {
		t.Errorf("state %+v", state)
	}
	resp, err := http.Get(state.Endpoint + "/_proxy/calls")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /_proxy/calls: %s %s", resp.Status, body)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("rig aws: %v", err)
	}
	if _, err := os.Stat(stateFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left behind: %v", err)
	}
	if err := syscall.Kill(-state.MotoPID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("moto's process group %d left behind: %v", state.MotoPID, err)
	}
	if !strings.Contains(out.String(), "export AWS_ENDPOINT_URL=\""+state.Endpoint+"\"") {
		t.Errorf("output does not say what to export:\n%s", out.String())
	}
}
