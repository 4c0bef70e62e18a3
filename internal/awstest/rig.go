// Package awstest is the test rig's AWS: moto_server (pinned to 5.2.1) with
// fidelity patches that make it behave as AWS documents where this project
// relies on it (launcher.py), behind a proxy that logs every call and injects
// latency and faults. Tests run the real packer and the real AWS SDK against it.
//
//	rig := awstest.Start(t)               // or awstest.Shared(t) with awstest.Main
//	ec2c := ec2.NewFromConfig(rig.Config("eu-west-1"))
//	rig.Proxy().AddRule(awstest.Rule{Service: "ec2", Action: "CopyImage", Fault: awstest.FaultThrottle, Times: 1})
//	rig.SetCopyBehaviour(ctx, awstest.CopyBehaviour{Pending: 10 * time.Second})
//	cmd.Env = rig.ChildEnv(os.Environ()) // for a child packer
package awstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Rig is moto behind the fault proxy.
type Rig struct {
	moto     *moto
	proxy    *Proxy
	server   *http.Server
	served   chan error
	endpoint string
	logPath  string
	logMark  atomic.Int64 // where the log stood at the last Reset

	closeOnce sync.Once
	closeErr  error
}

type options struct {
	proxyPort int
	logPath   string
	seed      uint64
	python    string
}

// Option configures Start and Launch.
type Option func(*options)

// WithProxyPort serves the proxy on 127.0.0.1:port instead of a free port.
func WithProxyPort(port int) Option { return func(o *options) { o.proxyPort = port } }

// WithLogFile appends moto's output to path.
func WithLogFile(path string) Option { return func(o *options) { o.logPath = path } }

// WithSeed seeds the draws of rules that have a Probability (default 1).
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithPython runs moto with this interpreter instead of python3 ($GOLDEN_PYTHON).
func WithPython(path string) Option { return func(o *options) { o.python = path } }

// Start starts the rig for a test and stops it when the test ends. It fails
// the test (never skips it) when moto is missing, and at the end when moto's
// log shows a call it does not implement.
func Start(t testing.TB, opts ...Option) *Rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	log := WithLogFile(filepath.Join(t.TempDir(), "moto.log"))
	r, err := Launch(ctx, append([]Option{log}, opts...)...)
	if err != nil {
		t.Fatalf("starting the AWS stand-in: %v", err)
	}
	t.Cleanup(func() {
		r.FailOnNotImplemented(t)
		if t.Failed() {
			r.report(t)
		}
		if err := r.Close(); err != nil {
			t.Errorf("stopping the AWS stand-in: %v", err)
		}
	})
	return r
}

// Launch starts moto and the proxy. ctx bounds the start only: call Close to stop.
func Launch(ctx context.Context, opts ...Option) (_ *Rig, err error) {
	o := options{seed: 1, python: "python3"}
	if py := os.Getenv("GOLDEN_PYTHON"); py != "" {
		o.python = py
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logPath == "" {
		f, err := os.CreateTemp("", "golden-moto-*.log")
		if err != nil {
			return nil, fmt.Errorf("creating moto's log file: %w", err)
		}
		f.Close()
		o.logPath = f.Name()
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(o.proxyPort))
	if err != nil {
		return nil, fmt.Errorf("proxy port %d on 127.0.0.1 is taken: choose another port or stop what holds it: %w", o.proxyPort, err)
	}
	m, err := startMoto(ctx, o.python, o.logPath)
	if err != nil {
		l.Close()
		return nil, err
	}
	p, err := NewProxy(m.url, o.seed)
	if err != nil {
		l.Close()
		m.stop()
		return nil, err
	}
	r := &Rig{
		moto:     m,
		proxy:    p,
		server:   &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second},
		served:   make(chan error, 1),
		endpoint: "http://" + l.Addr().String(),
		logPath:  o.logPath,
	}
	go func() { r.served <- r.server.Serve(l) }()
	return r, nil
}

// Close stops the proxy and moto's whole process group. Only the first call does.
func (r *Rig) Close() error {
	r.closeOnce.Do(func() {
		r.proxy.Close()
		err := r.server.Close()
		if serveErr := <-r.served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
			err = serveErr
		}
		if stopErr := r.moto.stop(); err == nil {
			err = stopErr
		}
		r.closeErr = err
	})
	return r.closeErr
}

// Endpoint is the proxy's URL: what AWS_ENDPOINT_URL points to.
func (r *Rig) Endpoint() string { return r.endpoint }

// MotoURL is moto's own URL, behind the proxy.
func (r *Rig) MotoURL() string { return r.moto.url }

// MotoPID is the id of moto's process (and process group).
func (r *Rig) MotoPID() int { return r.moto.cmd.Process.Pid }

// LogPath is the file moto writes its log to.
func (r *Rig) LogPath() string { return r.logPath }

// Proxy is the fault proxy: its rules and call log.
func (r *Rig) Proxy() *Proxy { return r.proxy }

// Reset empties moto (the seed AMIs come back), its copy behaviour, the
// proxy's rules and the call log; NotImplemented looks at the log from here on.
func (r *Rig) Reset(ctx context.Context) error {
	if fi, err := os.Stat(r.logPath); err == nil {
		r.logMark.Store(fi.Size())
	}
	if err := r.motoPost(ctx, "/moto-api/reset", ""); err != nil {
		return err
	}
	r.proxy.SetRules()
	r.proxy.ClearCalls()
	return nil
}

// motoPost posts body to one of moto's own endpoints, bypassing the proxy.
func (r *Rig) motoPost(ctx context.Context, path, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.moto.url+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("posting to moto's %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("moto's %s answered %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
