package awstest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// NotImplemented returns the lines of moto's log since the last Reset that
// name a call moto does not implement. Such calls answer HTTP 500, which the SDK retries and a
// caller may take for a transient failure.
func (r *Rig) NotImplemented() ([]string, error) {
	b, err := r.readLog()
	if err != nil {
		return nil, err
	}
	var lines []string
	for line := range bytes.Lines(b) {
		if bytes.Contains(line, []byte("NotImplementedError")) {
			lines = append(lines, strings.TrimSpace(string(line)))
		}
	}
	return lines, nil
}

// FailOnNotImplemented fails t if moto's log shows a call moto does not implement.
func (r *Rig) FailOnNotImplemented(t testing.TB) {
	t.Helper()
	lines, err := r.NotImplemented()
	if err != nil {
		t.Error(err)
		return
	}
	if len(lines) > 0 {
		t.Errorf("moto does not implement calls this test made (patch launcher.py or avoid them; log %s):\n%s",
			r.logPath, strings.Join(lines, "\n"))
	}
}

// report logs the end of moto's log and the call log, for a failed test.
func (r *Rig) report(t testing.TB) {
	t.Helper()
	b, _ := r.readLog()
	t.Logf("moto's log ends:\n%s", tail(b, 30))
	calls := r.proxy.Calls()
	if len(calls) > 30 {
		calls = calls[len(calls)-30:]
	}
	var s strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&s, "%s %s %s %s %d %s %s %v\n", c.Time.Format("15:04:05.000"), c.Service, c.Region, c.Action,
			c.Status, c.ErrorCode, c.Fault, c.Duration.Round(100_000))
	}
	t.Logf("the last AWS calls:\n%s", s.String())
}

// readLog reads moto's log since the last Reset.
func (r *Rig) readLog() ([]byte, error) {
	b, err := os.ReadFile(r.logPath)
	if err != nil {
		return nil, fmt.Errorf("reading moto's log: %w", err)
	}
	if mark := r.logMark.Load(); mark <= int64(len(b)) {
		b = b[mark:]
	}
	return b, nil
}
