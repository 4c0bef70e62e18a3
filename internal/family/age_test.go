package family

import (
	"errors"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "90d", want: 90 * day},
		{in: "2w", want: 14 * day},
		{in: "36h", want: 36 * time.Hour},
		{in: "9d12h", want: 9*day + 12*time.Hour},
		{in: " 720h ", want: 720 * time.Hour},
		{in: "1h30m15s", want: time.Hour + 30*time.Minute + 15*time.Second},
		{in: "10s", want: 10 * time.Second},
		{in: "", err: true},
		{in: "d", err: true},
		{in: "90", err: true},
		{in: "0d", err: true},
		{in: "1d1w", err: true},  // out of order
		{in: "1d2d", err: true},  // repeated
		{in: "1.5d", err: true},  // fractions
		{in: "-1d", err: true},   // sign
		{in: "5ms", err: true},   // below a second
		{in: "1y", err: true},    // years have no fixed length
		{in: "1d 2h", err: true}, // inner space
		{in: "99999999999999999999d", err: true},
		{in: "15300w", err: true}, // overflows a Duration
	}
	for _, tt := range tests {
		got, err := ParseAge(tt.in)
		if tt.err {
			if !errors.Is(err, ErrBadAge) {
				t.Errorf("ParseAge(%q) = %v, %v; want ErrBadAge", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatAge(t *testing.T) {
	tests := map[time.Duration]string{
		90 * day:                             "90d",
		9*day + 12*time.Hour:                 "9d12h",
		36*time.Hour + 1500*time.Millisecond: "1d12h1s",
		0:                                    "0s",
	}
	for in, want := range tests {
		if got := FormatAge(in); got != want {
			t.Errorf("FormatAge(%v) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseAge: never panics; what parses is positive and formats back to the same age.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"90d", "2w", "9d12h", "36h", "1h30m15s", "0d", "1d1w", "99999999999999999999d", "15300w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAge(s)
		if err != nil {
			if !errors.Is(err, ErrBadAge) {
				t.Fatalf("ParseAge(%q): %v does not wrap ErrBadAge", s, err)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("ParseAge(%q) = %v, not positive", s, d)
		}
		again, err := ParseAge(FormatAge(d))
		if err != nil || again != d {
			t.Fatalf("ParseAge(FormatAge(%v)) = %v, %v", d, again, err)
		}
	})
}
