package awstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Proxy is a reverse proxy in front of moto. It logs every SigV4-signed call
// and delays or fails the calls its rules match. Unsigned requests (moto's
// /moto-api, the launcher's /_golden) pass untouched and unlogged; /_proxy/
// is its own HTTP control surface (see serveControl).
type Proxy struct {
	forward   *httputil.ReverseProxy
	transport *http.Transport
	closed    chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	rng     *rand.Rand
	rules   []*activeRule
	calls   []Call
	started []Call // as they arrive, before any delay or answer
	faults  int    // injected so far, numbering their request ids
}

type activeRule struct {
	Rule
	set   time.Time
	fired int
}

// Call is one AWS call that went through the proxy.
type Call struct {
	Time      time.Time         `json:"time"`
	Service   string            `json:"service"`
	Region    string            `json:"region"`
	Action    string            `json:"action"`
	Params    map[string]string `json:"params,omitempty"`
	Status    int               `json:"status"` // 0 when reset, hung or abandoned
	ErrorCode string            `json:"error_code,omitempty"`
	Fault     Fault             `json:"fault,omitempty"`
	Delay     time.Duration     `json:"-"` // added by a rule
	Duration  time.Duration     `json:"-"`
}

// MarshalJSON writes durations as Go duration strings.
func (c Call) MarshalJSON() ([]byte, error) {
	type plain Call
	return json.Marshal(struct {
		plain
		Delay    string `json:"delay,omitempty"`
		Duration string `json:"duration"`
	}{plain(c), durationString(c.Delay), c.Duration.String()})
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// NewProxy returns a proxy to target (moto's URL). seed makes rules with a
// Probability fire the same way in every run that makes the same calls.
func NewProxy(target string, seed uint64) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parsing the proxy target %q: %w", target, err)
	}
	p := &Proxy{
		transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		closed:    make(chan struct{}),
		rng:       rand.New(rand.NewPCG(seed, seed)),
	}
	p.forward = &httputil.ReverseProxy{
		// The Host header stays the client's: SigV4 signs it, and moto checks
		// signatures when it enforces IAM.
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = r.In.Host },
		Transport:      p.transport,
		ModifyResponse: captureErrorCode,
	}
	return p, nil
}

// Close ends hanging calls and idle connections to moto.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() { close(p.closed) })
	p.transport.CloseIdleConnections()
}

// AddRule appends rules after the current ones.
func (p *Proxy) AddRule(rules ...Rule) error {
	for i, r := range rules {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for _, r := range rules {
		p.rules = append(p.rules, &activeRule{Rule: r, set: now})
	}
	return nil
}

// SetRules replaces all rules; SetRules() removes them.
func (p *Proxy) SetRules(rules ...Rule) error {
	for i, r := range rules {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
	}
	p.mu.Lock()
	p.rules = nil
	p.mu.Unlock()
	return p.AddRule(rules...)
}

// Rules returns the current rules, in order.
func (p *Proxy) Rules() []Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	rules := make([]Rule, 0, len(p.rules))
	for _, r := range p.rules {
		rules = append(rules, r.Rule)
	}
	return rules
}

// Calls returns the call log, oldest first.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Started returns the calls that have begun, answered or not (a delayed or
// hung call is here before it is in Calls), oldest first, without their
// outcome: tests wait on it to act while a call is in flight.
func (p *Proxy) Started() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.started...)
}

// CallsTo returns the logged calls of one service's action, oldest first.
func (p *Proxy) CallsTo(service, action string) []Call {
	var calls []Call
	for _, c := range p.Calls() {
		if c.Service == service && c.Action == action {
			calls = append(calls, c)
		}
	}
	return calls
}

// ClearCalls empties the call log.
func (p *Proxy) ClearCalls() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.started = nil, nil
}

// ServeHTTP forwards r to moto unless a rule fires, and logs the call.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_proxy/") {
		p.serveControl(w, r)
		return
	}
	start := time.Now()
	q, err := parseRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if q.Service == "" {
		p.forward.ServeHTTP(w, r)
		return
	}
	call := Call{Time: start, Service: q.Service, Region: q.Region, Action: q.Action, Params: q.Params}
	p.mu.Lock()
	p.started = append(p.started, call)
	p.mu.Unlock()
	defer func() {
		call.Duration = time.Since(start)
		p.mu.Lock()
		p.calls = append(p.calls, call)
		p.mu.Unlock()
	}()
	rule, n, fired := p.fire(q, start)
	if fired {
		call.Fault, call.Delay = rule.Fault, rule.Delay
		if !p.wait(r.Context(), rule.Delay) {
			resetConn(w)
			return
		}
	}
	rec := &statusRecorder{ResponseWriter: w}
	switch rule.Fault {
	case FaultNone:
		ctx := context.WithValue(r.Context(), errorCodeKey{}, &call.ErrorCode)
		p.forward.ServeHTTP(rec, r.WithContext(ctx))
	case FaultReset:
		resetConn(w)
	case FaultHang:
		p.wait(r.Context(), -1)
		resetConn(w)
	case FaultLost:
		lost := &statusRecorder{ResponseWriter: discard{}}
		p.forward.ServeHTTP(lost, r.WithContext(context.WithoutCancel(r.Context())))
		call.Status = lost.status
		resetConn(w)
		return
	default:
		e := faultError(rule, q.Service)
		e.write(rec, q.Service, fmt.Sprintf("golden-fault-%d", n))
		call.ErrorCode = e.Code
	}
	call.Status = rec.status
}

// fire returns the first rule that fires for q, and counts it.
func (p *Proxy) fire(q request, now time.Time) (Rule, int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		switch {
		case r.Service != "" && r.Service != q.Service,
			r.Action != "" && r.Action != q.Action,
			r.Region != "" && r.Region != q.Region,
			now.Before(r.set.Add(r.After)),
			r.For > 0 && !now.Before(r.set.Add(r.After+r.For)),
			r.Times > 0 && r.fired >= r.Times,
			r.Probability > 0 && r.Probability < 1 && p.rng.Float64() >= r.Probability:
			continue
		}
		r.fired++
		p.faults++
		return r.Rule, p.faults, true
	}
	return Rule{}, 0, false
}

// wait sleeps d (forever if negative); false if the client left or the proxy closed first.
func (p *Proxy) wait(ctx context.Context, d time.Duration) bool {
	if d == 0 {
		return true
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
	case <-p.closed:
	}
	return false
}

// resetConn closes the client's connection with a TCP RST and no answer.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// discard takes an answer that is not to be delivered.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

type errorCodeKey struct{}

var xmlErrorCode = regexp.MustCompile(`<Code>([^<]+)</Code>`)

// captureErrorCode reads the AWS error code of moto's error answers into the
// call log entry that the request's context points to.
func captureErrorCode(resp *http.Response) error {
	dst, _ := resp.Request.Context().Value(errorCodeKey{}).(*string)
	if dst == nil || resp.StatusCode < 400 {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading moto's error answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	*dst = errorCode(resp.Header, body)
	return nil
}

func errorCode(h http.Header, body []byte) string {
	if t := h.Get("X-Amzn-ErrorType"); t != "" {
		return strings.SplitN(t, ":", 2)[0]
	}
	if m := xmlErrorCode.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	var j struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &j) == nil && j.Type != "" {
		return j.Type[strings.LastIndex(j.Type, "#")+1:]
	}
	if bytes.Contains(body, []byte("NotImplementedError")) {
		return "NotImplementedError"
	}
	return ""
}
