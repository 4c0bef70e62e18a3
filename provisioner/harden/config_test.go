package harden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPrepareRejects(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ok.sh")
	if err := os.WriteFile(script, []byte("echo ok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  map[string]any
		want []string // substrings of the error
	}{
		{"missing script", map[string]any{"scripts": []string{filepath.Join(dir, "nope.sh")}}, []string{"nope.sh does not exist"}},
		{"script is a directory", map[string]any{"script": dir}, []string{"is a directory"}},
		{"empty script path", map[string]any{"scripts": []string{""}}, []string{"scripts[0] is empty"}},
		{"unknown profile", map[string]any{"profile": "basline"}, []string{`unknown profile "basline"`, `did you mean "baseline"?`}},
		{"unknown rule in skip_rules", map[string]any{"skip_rules": []string{"sshd-permit-root-logon"}}, []string{"skip_rules", `unknown rule "sshd-permit-root-logon"`, `did you mean "sshd-permit-root-login"?`}},
		{"part of a rule id", map[string]any{"only_rules": []string{"permit-root-login"}}, []string{"only_rules", `did you mean "sshd-permit-root-login"?`}},
		{"pattern matching nothing", map[string]any{"only_rules": []string{"ssh-*"}}, []string{`unknown rule "ssh-*"`}},
		{"bad severity", map[string]any{"fail_on": "severe"}, []string{"fail_on", `unknown severity "severe"`}},
		{"bad mode", map[string]any{"mode": "fix"}, []string{"mode", `unknown mode "fix"`, "enforce or audit"}},
		{"empty config", map[string]any{"profile": "none"}, []string{"nothing to run"}},
		{"everything skipped", map[string]any{"skip_rules": []string{"*"}}, []string{"nothing to run"}},
		{"unknown parameter", map[string]any{"rule_overrides": map[string]string{"sshd_cipher": "aes256-gcm@openssh.com"}}, []string{`unknown rule parameter "sshd_cipher"`, `did you mean "sshd_ciphers"?`}},
		{"bad parameter value", map[string]any{"rule_overrides": map[string]string{"login_pass_max_days": "forever"}}, []string{"login_pass_max_days", `"forever"`, "login-pass-max-days"}},
		{"bad environment variable", map[string]any{"environment_vars": []string{"1X=y"}}, []string{`"1X=y" is not NAME=value`}},
		{"variable set twice", map[string]any{"environment_vars": []string{"A=1"}, "env": map[string]string{"A": "2"}}, []string{"A is also set in environment_vars"}},
		{"execute_command without the path", map[string]any{"execute_command": "sh bundle.sh"}, []string{"does not contain {{.Path}}"}},
		{"relative remote_dir", map[string]any{"remote_dir": "tmp"}, []string{"not an absolute path", "such as /tmp"}},
		{"sensitive_env also in env", map[string]any{"env": map[string]string{"TOKEN": "a"}, "sensitive_env": map[string]string{"TOKEN": "b"}},
			[]string{"sensitive_env: TOKEN is also set in env or environment_vars"}},
		{"sensitive_env bad name", map[string]any{"sensitive_env": map[string]string{"1TOKEN": "b"}}, []string{`sensitive_env: "1TOKEN" is not a variable name`}},
		{"bad exit code", map[string]any{"valid_exit_codes": []int{0, 300}}, []string{"300 is not an exit code"}},
		{"unknown field", map[string]any{"scirpts": []string{script}}, []string{"scirpts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { prepareRejects(t, tt.cfg, tt.want) })
	}
}

func TestPrepareAllProblemsAtOnce(t *testing.T) {
	err := new(Provisioner).Prepare(map[string]any{"mode": "fix", "fail_on": "severe", "profile": "x"})
	if err == nil {
		t.Fatal("Prepare accepted it")
	}
	for _, w := range []string{"mode", "fail_on", "profile"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %s:\n%v", w, err)
		}
	}
}

func TestPrepareDefaults(t *testing.T) {
	var p Provisioner
	if err := p.Prepare(map[string]any{}); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"execute_command": p.config.ExecuteCommand, "remote_dir": p.config.RemoteDir, "mode": p.config.Mode,
		"fail_on": p.config.FailOn, "valid_exit_codes": p.config.ValidExitCodes, "inline_shebang": p.config.InlineShebang,
		"report_dir": p.config.ReportDir, "profile": p.prepared.selected.Profile, "rules": len(p.prepared.selected.Rules) >= 40,
	}
	want := map[string]any{
		"execute_command": "sh {{.Path}}", "remote_dir": "/tmp", "mode": "enforce", "fail_on": "high",
		"valid_exit_codes": []int{0}, "inline_shebang": "/bin/sh -e", "report_dir": "golden-harden-reports",
		"profile": "baseline", "rules": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestPrepareSelection(t *testing.T) {
	var p Provisioner
	err := p.Prepare(map[string]any{"only_rules": []string{"sshd-*"}, "skip_rules": []string{"sshd-banner"}, "rule_overrides": map[string]string{"sshd_max_auth_tries": "3"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.prepared.selected.Rules {
		if !strings.HasPrefix(r.ID, "sshd-") || r.ID == "sshd-banner" {
			t.Errorf("rule %s selected", r.ID)
		}
	}
	if got := p.prepared.selected.Params["sshd_max_auth_tries"]; got != "3" {
		t.Errorf("sshd_max_auth_tries = %q, want 3", got)
	}
}
