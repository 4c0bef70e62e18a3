package family

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// awsTagValue is the pattern AWS documents for tag values, less the empty string.
var awsTagValue = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$`)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"debian-12", true},
		{"team/debian 12:base=x+y@z_v1.0", true},
		{"Ünïcode-ƒamily-١٢", true},
		{"ideographic\u3000space", true},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("é", 256), true},
		{"", false},
		{strings.Repeat("a", 257), false},
		{"semi;colon", false},
		{"quote\"", false},
		{"tab\there", false},
		{"new\nline", false},
		{"star*", false},
		{"\xff", false},
		{"\ufffd", false},
	}
	for _, tt := range tests {
		err := CheckName(tt.name)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrBadName) {
			t.Errorf("CheckName(%q) = %v, want ok = %v", tt.name, err, tt.ok)
		}
		if awsTagValue.MatchString(tt.name) != tt.ok {
			t.Errorf("the table disagrees with AWS's pattern on %q", tt.name)
		}
	}
}

// FuzzCheckName: CheckName accepts exactly what AWS's pattern for tag values does.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"debian-12", "", "a;b", "\xff", "Ünï\u3000", strings.Repeat("b", 257)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := CheckName(s) == nil, awsTagValue.MatchString(s); got != want {
			t.Fatalf("CheckName(%q) ok = %v, AWS's pattern says %v", s, got, want)
		}
	})
}
