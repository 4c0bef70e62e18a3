package harden

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

// testRules act on files under the directory in the parameter t_dir, never on the
// machine's configuration, so the runner can be exercised on this host.
func testRules(t *testing.T) *hardening.Catalogue {
	t.Helper()
	c, err := hardening.NewCatalogue(
		hardening.Rule{ID: "t-flag", Title: "the flag file exists", Severity: hardening.SeverityHigh, OSFamilies: hardening.Families, Rationale: "test",
			Check: `[ -f "$t_dir/flag" ] && echo present || { echo absent; exit 1; }`, Fix: `echo fixing; touch "$t_dir/flag"`,
			Params: []hardening.Param{{Name: "t_dir", Default: "/nonexistent", Pattern: regexp.MustCompile(`^/`)}}},
		hardening.Rule{ID: "t-pass", Title: "always passes", Severity: hardening.SeverityLow, OSFamilies: hardening.Families, Rationale: "test",
			Check: `echo fine`},
		hardening.Rule{ID: "t-na", Title: "never applies", Severity: hardening.SeverityMedium, OSFamilies: hardening.Families, Rationale: "test",
			Check: `na "nothing here"`},
		hardening.Rule{ID: "t-other-os", Title: "another OS only", Severity: hardening.SeverityCritical, OSFamilies: []string{"amzn"}, Rationale: "test",
			Check: `exit 1`},
		hardening.Rule{ID: "t-manual", Title: "needs a person", Severity: hardening.SeverityMedium, OSFamilies: hardening.Families, Rationale: "test",
			Check: `echo wrong; exit 1`},
		hardening.Rule{ID: "t-broken-fix", Title: "a fix that fails", Severity: hardening.SeverityLow, OSFamilies: hardening.Families, Rationale: "test",
			Check: `[ -f "$t_dir/never" ] || exit 1`, Fix: `false; touch "$t_dir/never"`},
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type harness struct {
	t       *testing.T
	remote  string // remote_dir, on this host
	reports string
	rv      string
	flagDir string
	comm    *recordingComm
	ui      packersdk.Ui
	out     *syncBuffer
}

// syncBuffer collects the UI's output; tests read it while the provisioner writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("these tests run the runner on this host, which needs root: run them as root (the CI container does)")
	}
	h := &harness{t: t, remote: t.TempDir(), reports: t.TempDir(), rv: t.TempDir(), flagDir: t.TempDir(), comm: &recordingComm{}, out: &syncBuffer{}}
	h.ui = &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: h.out, ErrorWriter: h.out}
	return h
}

// provision prepares a provisioner with the test rules and cfg, and runs it.
func (h *harness) provision(ctx context.Context, cfg map[string]any) (*Provisioner, error) {
	h.t.Helper()
	raw := map[string]any{
		"remote_dir": h.remote, "report_dir": h.reports, "rendezvous_dir": h.rv,
		"packer_build_name": "null.test", "packer_builder_type": "null",
		"rule_overrides": map[string]string{"t_dir": h.flagDir},
	}
	for k, v := range cfg {
		raw[k] = v
	}
	p := &Provisioner{catalogue: testRules(h.t)}
	if err := p.Prepare(raw); err != nil {
		h.t.Fatalf("Prepare: %v", err)
	}
	return p, p.Provision(ctx, h.ui, h.comm, map[string]any{"PackerRunUUID": "run-1234"})
}

// report reads the report golden-harden left for golden-seal.
func (h *harness) report() *hardening.Report {
	h.t.Helper()
	path, err := hardening.RendezvousPath(h.rv, "run-1234", "null.test")
	if err != nil {
		h.t.Fatal(err)
	}
	rv, err := hardening.ReadRendezvous(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return rv.Report
}

// leftovers lists what is left in remote_dir.
func (h *harness) leftovers() []string {
	h.t.Helper()
	entries, err := os.ReadDir(h.remote)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// callKinds strips the arguments from the recorded calls.
func callKinds(calls []string) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i], _, _ = strings.Cut(c, " ")
	}
	return out
}

func writeScripts(t *testing.T, n int) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("s%02d.sh", i))
		if err := os.WriteFile(p, fmt.Appendf(nil, "#!/bin/sh\necho script %d says $GREETING\n", i), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestOneRoundTripHoweverManyScripts(t *testing.T) {
	for _, n := range []int{1, 10, 50} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h := newHarness(t)
			_, err := h.provision(t.Context(), map[string]any{
				"scripts": writeScripts(t, n), "environment_vars": []string{"GREETING=hello"},
			})
			if err != nil {
				t.Fatalf("Provision: %v\n%s", err, h.out)
			}
			if diff := cmp.Diff([]string{"upload", "start"}, callKinds(h.comm.Calls())); diff != "" {
				t.Errorf("communicator calls (-want +got):\n%s\nall calls: %q", diff, h.comm.Calls())
			}
			if left := h.leftovers(); len(left) > 0 {
				t.Errorf("left in remote_dir: %v", left)
			}
			r := h.report()
			if len(r.Scripts) != n || r.Counts.ScriptsFailed != 0 {
				t.Errorf("report: %d scripts, %d failed; want %d, 0", len(r.Scripts), r.Counts.ScriptsFailed, n)
			}
			if !strings.Contains(r.Scripts[n-1].OutputTail, fmt.Sprintf("script %d says hello", n-1)) {
				t.Errorf("last script's output %q", r.Scripts[n-1].OutputTail)
			}
		})
	}
}

func TestRuleStatuses(t *testing.T) {
	h := newHarness(t)
	_, err := h.provision(t.Context(), map[string]any{"fail_on": "none"})
	if err != nil {
		t.Fatalf("Provision: %v\n%s", err, h.out)
	}
	got := map[string]string{}
	for _, r := range h.report().Rules {
		got[r.ID] = string(r.StatusBefore) + " → " + string(r.Status)
	}
	want := map[string]string{
		"t-flag":       "fail → fixed",
		"t-pass":       "pass → pass",
		"t-na":         "not-applicable → not-applicable",
		"t-other-os":   "not-applicable → not-applicable",
		"t-manual":     "fail → fail",
		"t-broken-fix": "fail → error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r := h.report(); r.Verdict != hardening.VerdictWarn {
		t.Errorf("verdict %s, want warn (failures below fail_on = none)", r.Verdict)
	}

	// A second run changes nothing that the first fixed.
	if _, err := h.provision(t.Context(), map[string]any{"fail_on": "none", "only_rules": []string{"t-flag"}}); err != nil {
		t.Fatal(err)
	}
	if r := h.report(); r.Rules[0].StatusBefore != hardening.StatusPass || r.Rules[0].Status != hardening.StatusPass {
		t.Errorf("second run: %s → %s, want pass → pass", r.Rules[0].StatusBefore, r.Rules[0].Status)
	}
}

func TestAuditChangesNothing(t *testing.T) {
	h := newHarness(t)
	_, err := h.provision(t.Context(), map[string]any{"mode": "audit", "only_rules": []string{"t-flag"}})
	if err == nil || !strings.Contains(err.Error(), "t-flag (high)") {
		t.Errorf("error %v, want fail_on = high to list t-flag (high)", err)
	}
	if _, err := os.Stat(filepath.Join(h.flagDir, "flag")); !os.IsNotExist(err) {
		t.Errorf("audit mode created the flag file: %v", err)
	}
	r := h.report()
	if r.Verdict != hardening.VerdictFail || r.Rules[0].Status != hardening.StatusFail {
		t.Errorf("verdict %s, status %s; want fail, fail", r.Verdict, r.Rules[0].Status)
	}
	for _, f := range []string{"null.test.json", "null.test.junit.xml", "null.test.html"} {
		if _, err := os.Stat(filepath.Join(h.reports, f)); err != nil {
			t.Errorf("report %s: %v", f, err)
		}
	}
}

func TestSecretsStayInTheBundle(t *testing.T) {
	h := newHarness(t)
	const secret = "marker-s3cr3t-'quoted'"
	script := filepath.Join(t.TempDir(), "check.sh")
	// The script sees the secret, and the modes of its work dir and env file.
	body := `#!/bin/sh
[ "$TOKEN" = "marker-s3cr3t-'quoted'" ] && echo token ok
work=$(dirname "$(dirname "$0")")
echo "work $(stat -c %a "$work") env $(stat -c %a "$work/env.sh")"
`
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := h.provision(t.Context(), map[string]any{"profile": "none", "scripts": []string{script}, "environment_vars": []string{"TOKEN=" + secret}})
	if err != nil {
		t.Fatalf("Provision: %v\n%s", err, h.out)
	}
	calls := h.comm.Calls()
	if !strings.HasSuffix(calls[0], " 600") {
		t.Errorf("upload %q, want mode 600", calls[0])
	}
	for _, c := range calls {
		if strings.Contains(c, "s3cr3t") {
			t.Errorf("the secret is in a communicator call: %q", c)
		}
	}
	tail := h.report().Scripts[0].OutputTail
	if !strings.Contains(tail, "token ok") || !strings.Contains(tail, "work 700 env 600") {
		t.Errorf("script output %q, want the token and modes 700 and 600", tail)
	}
	data, _ := os.ReadFile(filepath.Join(h.reports, "null.test.json"))
	if bytes.Contains(data, []byte("s3cr3t")) {
		t.Error("the report holds the secret")
	}
}

// A script that prints a secret given in sensitive_env: the reports (and the
// rendezvous copy golden-seal reads) say <sensitive> instead, and so does the
// error of a script that fails.
func TestSensitiveEnvMaskedInReports(t *testing.T) {
	h := newHarness(t)
	const secret = "marker-t0ken-value"
	script := filepath.Join(t.TempDir(), "careless.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"the token is $API_TOKEN\"\nexit 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := h.provision(t.Context(), map[string]any{"profile": "none", "scripts": []string{script},
		"sensitive_env": map[string]string{"API_TOKEN": secret}})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "the token is <sensitive>") {
		t.Errorf("error %v, want the script's output with the secret masked", err)
	}
	if tail := h.report().Scripts[0].OutputTail; !strings.Contains(tail, "the token is <sensitive>") {
		t.Errorf("the report's output tail %q, want the secret masked", tail)
	}
	for _, dir := range []string{h.reports, h.rv} {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if b, _ := os.ReadFile(path); err == nil && !d.IsDir() && bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds the secret", path)
			}
			return nil
		})
	}
}

func TestScriptFailure(t *testing.T) {
	dir := t.TempDir()
	fail := filepath.Join(dir, "fail.sh")
	if err := os.WriteFile(fail, []byte("#!/bin/sh\necho first line\necho last words\nexit 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	after := filepath.Join(dir, "after.sh")
	if err := os.WriteFile(after, []byte("#!/bin/sh\necho should not run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("outside valid_exit_codes", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.provision(t.Context(), map[string]any{"profile": "none", "scripts": []string{fail, after}})
		if err == nil {
			t.Fatal("Provision succeeded, want the script's failure")
		}
		for _, want := range []string{fail, "exited with 3", "last words"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		r := h.report()
		if r.Scripts[1].Status != hardening.ScriptNotRun {
			t.Errorf("the script after the failed one: %s, want not-run", r.Scripts[1].Status)
		}
		if left := h.leftovers(); len(left) > 0 {
			t.Errorf("left in remote_dir: %v", left)
		}
	})
	t.Run("inside valid_exit_codes", func(t *testing.T) {
		h := newHarness(t)
		if _, err := h.provision(t.Context(), map[string]any{"profile": "none", "scripts": []string{fail}, "valid_exit_codes": []int{0, 3}}); err != nil {
			t.Fatalf("Provision: %v", err)
		}
	})
}

func TestScriptsFirstAndInline(t *testing.T) {
	h := newHarness(t)
	_, err := h.provision(t.Context(), map[string]any{
		"only_rules": []string{"t-flag"}, "scripts_first": true,
		"inline": []string{"touch " + filepath.Join(h.flagDir, "flag"), "echo inline done"},
	})
	if err != nil {
		t.Fatalf("Provision: %v\n%s", err, h.out)
	}
	r := h.report()
	if r.Rules[0].StatusBefore != hardening.StatusPass {
		t.Errorf("t-flag before: %s, want pass (the inline script ran first)", r.Rules[0].StatusBefore)
	}
	if r.Scripts[0].Name != "inline" || !strings.Contains(r.Scripts[0].OutputTail, "inline done") {
		t.Errorf("script %q output %q", r.Scripts[0].Name, r.Scripts[0].OutputTail)
	}
}

// A script changed on the machine after the bundle was unpacked (here by the
// script before it) does not run: each is checked against its sha256 right
// before it runs.
func TestScriptChangedOnTheMachineDoesNotRun(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.sh"), filepath.Join(dir, "second.sh")
	if err := os.WriteFile(first, []byte("#!/bin/sh\necho 'echo tampered' >> \"$(dirname \"$0\")/002\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, []byte("#!/bin/sh\necho second ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := h.provision(t.Context(), map[string]any{"profile": "none", "scripts": []string{first, second}})
	if err == nil || !strings.Contains(err.Error(), "scripts/002 changed on the machine after it was unpacked") {
		t.Fatalf("error %v, want the changed script refused", err)
	}
	if strings.Contains(h.out.String(), "second ran") || strings.Contains(h.out.String(), "tampered") {
		t.Errorf("the changed script ran:\n%s", h.out)
	}
}

// The results come from the runner's output, which a script can leave mid-line.
func TestOutputWithoutFinalNewline(t *testing.T) {
	h := newHarness(t)
	_, err := h.provision(t.Context(), map[string]any{
		"only_rules": []string{"t-pass"},
		"inline":     []string{"printf 'no newline'"},
	})
	if err != nil {
		t.Fatalf("Provision: %v\n%s", err, h.out)
	}
	r := h.report()
	if len(r.Rules) != 1 || len(r.Scripts) != 1 || r.Scripts[0].Status != hardening.ScriptOK {
		t.Fatalf("report: rules %+v, scripts %+v; want t-pass and one script ok", r.Rules, r.Scripts)
	}
	if r.Scripts[0].OutputTail != "no newline\n" {
		t.Errorf("output tail %q, want %q", r.Scripts[0].OutputTail, "no newline\n")
	}
	if !strings.Contains(h.out.String(), "\nno newline\n") {
		t.Errorf("the script's output is not shown as a line:\n%s", h.out)
	}
}

func TestTamperedUploadDoesNotRun(t *testing.T) {
	h := newHarness(t)
	h.comm.corrupt = true
	_, err := h.provision(t.Context(), map[string]any{"only_rules": []string{"t-flag"}})
	if err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("error %v, want a sha256 mismatch", err)
	}
	if _, err := os.Stat(filepath.Join(h.flagDir, "flag")); !os.IsNotExist(err) {
		t.Error("a rule ran from a tampered bundle")
	}
	if left := h.leftovers(); len(left) > 0 {
		t.Errorf("left in remote_dir: %v", left)
	}
}

func TestNonRootWithoutSudo(t *testing.T) {
	h := newHarness(t)
	// nobody must reach remote_dir, as an ssh user reaches /tmp.
	for _, dir := range []string{filepath.Dir(h.remote), h.remote} {
		if err := os.Chmod(dir, 0o1777); err != nil {
			t.Fatal(err)
		}
	}
	h.comm.asUser = "nobody"
	_, err := h.provision(t.Context(), map[string]any{"only_rules": []string{"t-flag"}})
	if err == nil || !strings.Contains(err.Error(), "is not root and cannot use sudo without a password") {
		t.Fatalf("error %v, want the sudo explanation", err)
	}
	if _, err := os.Stat(filepath.Join(h.flagDir, "flag")); !os.IsNotExist(err) {
		t.Error("a rule ran")
	}
	if left := h.leftovers(); len(left) > 0 {
		t.Errorf("left in remote_dir: %v", left)
	}
}

func TestDisconnectLeavesNoReport(t *testing.T) {
	h := newHarness(t)
	h.comm.dropAfter = "begin\tscript"
	script := filepath.Join(t.TempDir(), "slow.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsleep 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := h.provision(t.Context(), map[string]any{"only_rules": []string{"t-pass"}, "scripts": []string{script}})
	if err == nil || !strings.Contains(err.Error(), "connection to the machine dropped") {
		t.Fatalf("error %v, want a dropped connection", err)
	}
	if entries, _ := os.ReadDir(h.reports); len(entries) > 0 {
		t.Errorf("reports written after a dropped connection: %v", entries)
	}
	if entries, _ := os.ReadDir(h.rv); len(entries) > 0 {
		t.Errorf("a rendezvous report was written after a dropped connection: %v", entries)
	}
}

func TestStoppedRemovesTheRemoteDir(t *testing.T) {
	h := newHarness(t)
	script := filepath.Join(t.TempDir(), "slow.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho started\nsleep 29.7531\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for !strings.Contains(h.out.String(), "running script 1") {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := h.provision(ctx, map[string]any{"profile": "none", "scripts": []string{script}})
	if err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("error %v, want stopped", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stopping took %s", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(h.leftovers()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := h.leftovers(); len(left) > 0 {
		t.Errorf("left in remote_dir: %v", left)
	}
	if out, _ := exec.Command("pgrep", "-f", "sleep 29.7531").Output(); len(out) > 0 {
		t.Errorf("the script is still running: pids %s", out)
	}
}
