package hardening

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ids(rules []Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.ID
	}
	return out
}

func TestSelect(t *testing.T) {
	c := fixtureCatalogue(t)
	tests := []struct {
		name string
		sel  Selection
		want []string
	}{
		{"default profile", Selection{}, []string{"ssh-a", "ssh-b", "perm-c", "perm-d", "na-e", "err-f"}},
		{"none", Selection{Profile: "none"}, []string{}},
		{"only, in catalogue order", Selection{Only: []string{"perm-d", "ssh-a"}}, []string{"ssh-a", "perm-d"}},
		{"only a pattern", Selection{Only: []string{"ssh-*"}}, []string{"ssh-a", "ssh-b"}},
		{"only with profile none", Selection{Profile: "none", Only: []string{"na-e"}}, []string{"na-e"}},
		{"skip", Selection{Skip: []string{"perm-*", "err-f"}}, []string{"ssh-a", "ssh-b", "na-e"}},
		{"only and skip", Selection{Only: []string{"ssh-*"}, Skip: []string{"ssh-b"}}, []string{"ssh-a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Select(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got.Rules)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectRejects(t *testing.T) {
	c := Default()
	tests := []struct {
		name    string
		sel     Selection
		want    error
		suggest string
	}{
		{"unknown profile", Selection{Profile: "baseln"}, ErrUnknownProfile, `"baseline"`},
		{"unknown only rule", Selection{Only: []string{"sshd-cipher"}}, ErrUnknownRule, `"sshd-ciphers"`},
		{"unknown skip rule", Selection{Skip: []string{"kmod-cramfsx"}}, ErrUnknownRule, `"kmod-cramfs"`},
		{"far from everything", Selection{Skip: []string{"zzzzzzzzzzzzzzzzzz"}}, ErrUnknownRule, ""},
		{"unknown parameter", Selection{Overrides: map[string]string{"sshd_max_auth_try": "3"}}, ErrUnknownParam, `"sshd_max_auth_tries"`},
		{"parameter far from everything", Selection{Overrides: map[string]string{"zzzzzzzzzzzzzzzzzz": "3"}}, ErrUnknownParam, ""},
		{"bad parameter", Selection{Overrides: map[string]string{"sshd_max_auth_tries": "0"}}, ErrBadParam, ""},
		{"a parameter with a quote", Selection{Overrides: map[string]string{"sshd_ciphers": "aes256-ctr'; rm -rf /"}}, ErrBadParam, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Select(tt.sel)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			has := strings.Contains(err.Error(), "did you mean")
			if tt.suggest == "" && has || tt.suggest != "" && !strings.Contains(err.Error(), "did you mean "+tt.suggest) {
				t.Errorf("error %q, want suggestion %q", err, tt.suggest)
			}
			if errors.Is(err, ErrUnknownParam) && !strings.Contains(err.Error(), "docs list each rule's parameters") {
				t.Errorf("error %q does not say where the parameters are listed", err)
			}
		})
	}
}

func TestSelectParams(t *testing.T) {
	sel, err := Default().Select(Selection{Overrides: map[string]string{"login_pass_max_days": "90"}})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Params["login_pass_max_days"] != "90" || sel.Params["sshd_max_auth_tries"] != "4" {
		t.Errorf("params %v", sel.Params)
	}
}

func FuzzSelect(f *testing.F) {
	f.Add("baseline", "sshd-*", "kmod-?ds", "sshd_ciphers", "aes256-ctr")
	f.Add("none", "[", "", "x", "")
	f.Fuzz(func(t *testing.T, profile, only, skip, param, value string) {
		sel := Selection{Profile: profile, Overrides: map[string]string{param: value}}
		if only != "" {
			sel.Only = []string{only}
		}
		if skip != "" {
			sel.Skip = []string{skip}
		}
		got, err := Default().Select(sel)
		if err != nil {
			if !errors.Is(err, ErrUnknownProfile) && !errors.Is(err, ErrUnknownRule) && !errors.Is(err, ErrUnknownParam) && !errors.Is(err, ErrBadParam) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if v := got.Params[param]; v != value {
			t.Fatalf("param %s = %q, want %q", param, v, value)
		}
	})
}

func TestParseEnums(t *testing.T) {
	for in, want := range map[string]Severity{"low": SeverityLow, "HIGH": SeverityHigh, "Critical": SeverityCritical} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "none", "severe"} {
		if _, err := ParseSeverity(in); !errors.Is(err, ErrBadSeverity) {
			t.Errorf("ParseSeverity(%q): %v", in, err)
		}
	}
	if f, err := ParseFailOn("none"); err != nil || f.Reached(SeverityCritical) || f.String() != "none" {
		t.Errorf("fail_on none: %q %v", f, err)
	}
	if f, _ := ParseFailOn("medium"); !f.Reached(SeverityHigh) || f.Reached(SeverityLow) {
		t.Errorf("fail_on medium reaches the wrong severities")
	}
	if _, err := ParseFailOn("info"); !errors.Is(err, ErrBadSeverity) {
		t.Errorf("ParseFailOn(info): %v", err)
	}
	if m, err := ParseMode("Audit"); err != nil || m != ModeAudit {
		t.Errorf("ParseMode(Audit) = %q, %v", m, err)
	}
	if _, err := ParseMode("fix"); !errors.Is(err, ErrBadMode) {
		t.Errorf("ParseMode(fix): %v", err)
	}
}
