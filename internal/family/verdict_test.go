package family

import (
	"errors"
	"testing"
)

func TestParseVerdicts(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the set; "" for an error
	}{
		{"pass", "pass"},
		{"PASS", "pass"},
		{">= warn", "pass|warn"},
		{">=warn", "pass|warn"},
		{"pass|warn", "pass|warn"},
		{"warn, pass", "pass|warn"},
		{">=fail", "pass|warn|fail"},
		{">= not-hardened", "pass|warn|fail|not-hardened"},
		{"not-hardened", "not-hardened"},
		{"pass|pass", "pass"},
		{"pass||warn", "pass|warn"},
		{"", ""},
		{" | ", ""},
		{"ok", ""},
		{"> warn", ""},
		{"<= warn", ""},
		{"pass warn", ""},
	}
	for _, tt := range tests {
		got, err := ParseVerdicts(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrBadVerdicts) {
				t.Errorf("ParseVerdicts(%q) = %v, %v; want ErrBadVerdicts", tt.in, got, err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseVerdicts(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestVerdictsAccepts(t *testing.T) {
	v, err := ParseVerdicts(">= warn")
	if err != nil {
		t.Fatal(err)
	}
	for verdict, want := range map[string]bool{"pass": true, "warn": true, "fail": false, "not-hardened": false, "": false, "PASS": false} {
		if got := v.Accepts(verdict); got != want {
			t.Errorf("Accepts(%q) = %v, want %v", verdict, got, want)
		}
	}
	if (Verdicts{}).Accepts("pass") || !(Verdicts{}).IsZero() {
		t.Error("the zero Verdicts accepts something")
	}
}

// FuzzParseVerdicts: never panics; a parsed set reparses from its String to the same set.
func FuzzParseVerdicts(f *testing.F) {
	for _, s := range []string{"pass", ">= warn", "pass|warn", "warn, pass", ">=not-hardened", "ok", "|", ">=>=pass"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVerdicts(s)
		if err != nil {
			if !errors.Is(err, ErrBadVerdicts) {
				t.Fatalf("ParseVerdicts(%q): %v does not wrap ErrBadVerdicts", s, err)
			}
			return
		}
		if v.IsZero() {
			t.Fatalf("ParseVerdicts(%q) parsed to an empty set", s)
		}
		again, err := ParseVerdicts(v.String())
		if err != nil || again.String() != v.String() {
			t.Fatalf("ParseVerdicts(%q) = %q, which reparses to %q, %v", s, v, again, err)
		}
	})
}
