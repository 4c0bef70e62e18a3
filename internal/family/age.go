package family

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadAge is returned for an age that does not parse.
var ErrBadAge = errors.New("not an age")

// ageUnits are the units of an age, longest first.
var ageUnits = []struct {
	name string
	d    time.Duration
}{
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

// ParseAge reads an age such as "90d", "2w", "36h" or "1w2d12h": whole
// numbers, each followed by w (weeks), d (days), h, m or s, each unit at
// most once and in that order. Days are 24 hours. It must be positive.
func ParseAge(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%w: %q %s: write it as 90d, 2w, 36h or 1w2d", ErrBadAge, s, why)
	}
	rest := strings.TrimSpace(s)
	if rest == "" {
		return bad("is empty")
	}
	var total time.Duration
	next := 0 // the index in ageUnits a unit may take from here on
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return bad("has a unit without a number, or a number without a unit")
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return bad("has a number too large")
		}
		unit := -1
		for j := next; j < len(ageUnits); j++ {
			if strings.HasPrefix(rest[i:], ageUnits[j].name) {
				unit = j
				break
			}
		}
		if unit < 0 {
			return bad("has an unknown, repeated or out-of-order unit")
		}
		if n > int64(math.MaxInt64-total)/int64(ageUnits[unit].d) {
			return bad("is too long")
		}
		total += time.Duration(n) * ageUnits[unit].d
		rest, next = rest[i+len(ageUnits[unit].name):], unit+1
	}
	if total <= 0 {
		return bad("is not positive")
	}
	return total, nil
}

// FormatAge writes d as ParseAge reads it, in days, hours, minutes and
// seconds; durations below a second are dropped.
func FormatAge(d time.Duration) string {
	var b strings.Builder
	for _, u := range ageUnits[1:] {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}
