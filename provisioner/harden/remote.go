package harden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

// remote is what golden-harden needs of a communicator: one upload and one
// command.
type remote interface {
	Start(context.Context, *packersdk.RemoteCmd) error
	Upload(string, io.Reader, *os.FileInfo) error
}

// exitWait bounds how long the runner may take to clean up once it is done;
// it only removes its directory.
const exitWait = 30 * time.Second

// run uploads the bundle and runs it. The runner streams its records, which
// are the results; after its end record it removes its directory and exits.
// Closing its standard input stops it early (it removes its directory then
// too), as does a dropped connection.
func run(ctx context.Context, comm remote, b hardening.Bundle, paths hardening.Paths, command string, out *stream) (*hardening.Results, error) {
	var fi os.FileInfo = bundleInfo{name: b.Name, size: int64(len(b.Data))}
	if err := comm.Upload(paths.Bundle, bytes.NewReader(b.Data), &fi); err != nil {
		return nil, fmt.Errorf("uploading the bundle to %s: %w (is remote_dir writable by the ssh user?)", paths.Bundle, err)
	}
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	cmd := &packersdk.RemoteCmd{Command: command, Stdin: stdinR, Stdout: out, Stderr: out.stderr()}
	if err := comm.Start(ctx, cmd); err != nil {
		return nil, fmt.Errorf("starting %q on the machine: %w", command, err)
	}
	exited := make(chan int, 1)
	go func() { exited <- cmd.Wait() }()

	select {
	case <-ctx.Done():
		stdinW.Close() // the runner stops and removes its directory
		return nil, fmt.Errorf("stopped: %w", ctx.Err())
	case code := <-exited:
		// Communicators deliver all output before the exit status.
		if !out.done() {
			return nil, out.failure(code)
		}
	case <-out.ended:
		stdinW.Close() // an SSH session ends only once its input has
		select {
		case <-exited:
		case <-ctx.Done():
		case <-time.After(exitWait):
			out.ui.Error(fmt.Sprintf("golden-harden: the runner did not exit within %s of finishing; %s may be left on the machine", exitWait, paths.Work))
		}
	}
	res, err := hardening.ParseResults(strings.NewReader(out.results()))
	if err != nil {
		return nil, fmt.Errorf("reading the results: %w", err)
	}
	return res, nil
}

// bundleInfo describes the upload: mode 0600, since the bundle holds the
// scripts' environment variables.
type bundleInfo struct {
	name string
	size int64
}

func (i bundleInfo) Name() string       { return i.name }
func (i bundleInfo) Size() int64        { return i.size }
func (i bundleInfo) Mode() fs.FileMode  { return 0o600 }
func (i bundleInfo) ModTime() time.Time { return time.Time{} }
func (i bundleInfo) IsDir() bool        { return false }
func (i bundleInfo) Sys() any           { return nil }

// stream turns the runner's output into Packer UI lines: its records become one
// line per rule and script, everything else (the scripts' output) is shown as is.
type stream struct {
	ui      packersdk.Ui
	marker  string
	scripts []string // names, by index-1

	mu      sync.Mutex
	partial []byte
	fatal   string
	tail    []string         // the last lines of output, for errors
	script  int              // the script running, 0 if none
	tails   map[int][]string // the last lines of each script's output, for the report
	records strings.Builder  // the results: every record but begin records, a line each
	ended   chan struct{}
	once    sync.Once
	errOut  *lineWriter
}

// tailLines is how much of a script's output the report keeps.
const tailLines = 20

func newStream(ui packersdk.Ui, marker string, scripts []string) *stream {
	s := &stream{ui: ui, marker: marker + " ", scripts: scripts, ended: make(chan struct{}), tails: map[int][]string{}}
	s.errOut = &lineWriter{line: func(l string) {
		s.mu.Lock()
		s.keep(l)
		s.mu.Unlock()
		ui.Error(l)
	}}
	return s
}

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := strings.TrimRight(string(s.partial[:i]), "\r")
		s.partial = s.partial[i+1:]
		s.line(line)
	}
}

func (s *stream) stderr() io.Writer { return s.errOut }

// line handles one line of stdout; s.mu is held.
func (s *stream) line(line string) {
	output, rest, ok := strings.Cut(line, s.marker)
	if output != "" || !ok { // a script's output, maybe without its final newline
		s.keep(output)
		s.ui.Say(output)
	}
	if !ok {
		return
	}
	rec, err := hardening.ParseRecord(rest)
	if err != nil {
		s.ui.Error(fmt.Sprintf("golden-harden: %v", err))
		return
	}
	if rec.Kind != hardening.RecordBegin {
		s.records.WriteString(rest + "\n")
	}
	switch rec.Kind {
	case hardening.RecordBegin:
		switch rec.Begin {
		case "script":
			s.tail, s.script = nil, rec.Index
			s.ui.Say(fmt.Sprintf("golden-harden: running script %d: %s", rec.Index, s.scriptName(rec.Index)))
		case "scap":
			s.ui.Say(fmt.Sprintf("golden-harden: running oscap xccdf eval, profile %s", rec.ID))
		}
	case hardening.RecordRule:
		status := string(rec.Rule.After)
		if rec.Rule.After != rec.Rule.Before {
			status = fmt.Sprintf("%s → %s", rec.Rule.Before, rec.Rule.After)
		}
		s.ui.Say(fmt.Sprintf("  %-28s %s", status, rec.Rule.ID))
	case hardening.RecordScript:
		s.script = 0
		s.ui.Say(fmt.Sprintf("golden-harden: script %d exited with %d after %s", rec.Script.Index, rec.Script.ExitCode, rec.Script.Duration))
	case hardening.RecordSCAP:
		s.ui.Say(fmt.Sprintf("golden-harden: oscap exited with %d after %s; its results: %d bytes", rec.SCAP.ExitCode, rec.SCAP.Duration, rec.SCAP.Bytes))
	case hardening.RecordFatal:
		s.fatal = rec.Message
		s.ui.Error("golden-harden: " + rec.Message)
	case hardening.RecordEnd:
		s.once.Do(func() { close(s.ended) })
	}
}

func (s *stream) scriptName(i int) string {
	if i >= 1 && i <= len(s.scripts) {
		return s.scripts[i-1]
	}
	return "?"
}

// keep remembers the last lines of output, for error messages and the
// running script's entry in the report.
func (s *stream) keep(line string) {
	s.tail = lastLines(append(s.tail, line))
	if s.script > 0 {
		s.tails[s.script] = lastLines(append(s.tails[s.script], line))
	}
}

func lastLines(lines []string) []string {
	if len(lines) > tailLines {
		return lines[len(lines)-tailLines:]
	}
	return lines
}

// done reports whether the end record has arrived.
func (s *stream) done() bool {
	select {
	case <-s.ended:
		return true
	default:
		return false
	}
}

// results returns the records of the results, a line each.
func (s *stream) results() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records.String()
}

// outputTail is the last lines script i printed.
func (s *stream) outputTail(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tails[i]) == 0 {
		return ""
	}
	return strings.Join(s.tails[i], "\n") + "\n"
}

// failure explains a runner that exited before it finished.
func (s *stream) failure(code int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.fatal != "":
		return errors.New(s.fatal)
	case code == packersdk.CmdDisconnect:
		return errors.New("the connection to the machine dropped while the runner ran: no report was written; the runner removes its directory when it notices; run the build again")
	}
	msg := fmt.Sprintf("the runner exited with %d before it finished: no report was written", code)
	if len(s.tail) > 0 {
		msg += "; its last output:\n" + strings.Join(s.tail, "\n")
	}
	return errors.New(msg)
}

// lineWriter calls line for every complete line written to it.
type lineWriter struct {
	mu      sync.Mutex
	partial []byte
	line    func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.line(strings.TrimRight(string(w.partial[:i]), "\r"))
		w.partial = w.partial[i+1:]
	}
}
