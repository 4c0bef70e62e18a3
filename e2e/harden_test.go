package e2e

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// notApplicableOnSandbox are the baseline rules that do not apply to the
// sandbox's minimal Debian root, and why.
var notApplicableOnSandbox = map[string]string{
	"perm-crontab": "cron is not installed",
}

// rootPaths are the parts of the sandbox root the baseline may change.
var rootPaths = []string{"/etc", "/usr", "/var/lib/dpkg", "/boot", "/opt", "/root", "/srv"}

// TestHardenEnforce runs the baseline in enforce mode on a fresh Debian 12 root
// through the real packer: every applicable rule passes afterwards, sshd -T shows
// the new settings, a second run changes nothing, and the host is untouched.
func TestHardenEnforce(t *testing.T) {
	host := hostState(t)
	s := sandboxtest.StartSSH(t)
	p := packertest.New(t)
	dir := t.TempDir()
	writeHardenFile(t, dir, "harden.pkr.hcl", hardenTemplate(s, dir, `    fail_on = "low"`))

	res := p.Run(t, t.Context(), dir, nil, "build", "-color=false", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer build exited %d", res.ExitCode)
	}
	t.Logf("first run: %s", res.Duration)
	r := hardenReport(t, dir, "sandbox")
	if r.Verdict != hardening.VerdictPass || r.Run.Mode != hardening.ModeEnforce {
		t.Errorf("verdict %s in %s mode, want pass in enforce mode: %q", r.Verdict, r.Run.Mode, r.Reasons)
	}
	if len(r.Rules) != len(hardening.Default().Rules) {
		t.Errorf("%d rules ran, want the whole baseline (%d)", len(r.Rules), len(hardening.Default().Rules))
	}
	fixed := 0
	for _, rule := range r.Rules {
		switch rule.Status {
		case hardening.StatusPass:
		case hardening.StatusFixed:
			fixed++
		case hardening.StatusNotApplicable:
			if _, ok := notApplicableOnSandbox[rule.ID]; !ok {
				t.Errorf("rule %s does not apply: %s", rule.ID, rule.Evidence)
			}
		default:
			t.Errorf("rule %s: %s → %s: %s", rule.ID, rule.StatusBefore, rule.Status, rule.Evidence)
		}
	}
	if fixed < 40 {
		t.Errorf("%d rules fixed on a fresh root, want most of the baseline", fixed)
	}
	for _, want := range []string{"verdict pass", "golden-harden: reports:"} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("packer's output does not say %q", want)
		}
	}

	// sshd's effective configuration, as the image will boot with it.
	var out bytes.Buffer
	if code, err := s.Exec(t.Context(), []string{"sshd", "-T", "-f", "/etc/ssh/sshd_config"}, nil, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("sshd -T: %d %v\n%s", code, err, out.String())
	}
	for _, want := range []string{"permitrootlogin no", "passwordauthentication no", "permitemptypasswords no", "x11forwarding no",
		"maxauthtries 4", "clientaliveinterval 300", "banner /etc/issue.net", "ignorerhosts yes", "hostbasedauthentication no"} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("sshd -T does not show %q", want)
		}
	}
	var allowed []string
	for _, p := range hardening.Default().Params() {
		if p.Name == "sshd_ciphers" {
			allowed = strings.Split(p.Default, ",")
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if list, ok := strings.CutPrefix(line, "ciphers "); ok {
			for _, c := range strings.Split(list, ",") {
				if !slices.Contains(allowed, c) {
					t.Errorf("sshd -T allows cipher %s", c)
				}
			}
		}
	}

	// The second run finds everything in place and changes nothing.
	before := treeState(t, s.Root(), rootPaths...)
	res = p.Run(t, t.Context(), dir, nil, "build", "-color=false", ".")
	if res.ExitCode != 0 {
		t.Fatalf("second packer build exited %d", res.ExitCode)
	}
	t.Logf("second run: %s", res.Duration)
	for id, st := range ruleStatuses(hardenReport(t, dir, "sandbox")) {
		if st != "pass → pass" && st != "not-applicable → not-applicable" {
			t.Errorf("second run: rule %s %s", id, st)
		}
	}
	diffState(t, "the sandbox root on the second run", before, treeState(t, s.Root(), rootPaths...))
	diffState(t, "the host", host, hostState(t))
}

// TestHardenAudit runs the baseline in audit mode on a fresh root: nothing in
// the root changes, the report lists the failures, and fail_on = high fails the
// build naming the failing rules and their severities.
func TestHardenAudit(t *testing.T) {
	host := hostState(t)
	s := sandboxtest.StartSSH(t)
	p := packertest.New(t)
	dir := t.TempDir()
	writeHardenFile(t, dir, "harden.pkr.hcl", hardenTemplate(s, dir, `    mode = "audit"`))
	before := treeState(t, s.Root(), rootPaths...)

	res := p.Run(t, t.Context(), dir, nil, "build", "-color=false", ".")
	if res.ExitCode == 0 {
		t.Fatal("packer build succeeded, want fail_on = high to fail it")
	}
	out := strings.Join(strings.Fields(res.Output), " ") // packer wraps long lines
	for _, want := range []string{"sshd-permit-root-login (high)", "firewall-default-deny (high)", "still fail"} {
		if !strings.Contains(out, want) {
			t.Errorf("packer's output does not say %q", want)
		}
	}
	diffState(t, "the sandbox root in audit mode", before, treeState(t, s.Root(), rootPaths...))
	diffState(t, "the host", host, hostState(t))

	r := hardenReport(t, dir, "sandbox")
	if r.Verdict != hardening.VerdictFail || r.Run.Mode != hardening.ModeAudit {
		t.Errorf("verdict %s in %s mode, want fail in audit mode", r.Verdict, r.Run.Mode)
	}
	if r.Counts.ByStatus[hardening.StatusFixed] != 0 || r.Counts.ByStatus[hardening.StatusError] != 0 {
		t.Errorf("counts %v: want nothing fixed and no errors", r.Counts.ByStatus)
	}
	if n := r.Counts.ByStatus[hardening.StatusFail]; n < 40 {
		t.Errorf("%d failures on a fresh root, want most of the baseline", n)
	}
	for _, rule := range r.Rules {
		if rule.Status != rule.StatusBefore {
			t.Errorf("rule %s changed status in audit mode: %s → %s", rule.ID, rule.StatusBefore, rule.Status)
		}
	}
}
