package family

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// ErrBadVerdicts is returned for a verdict expression that does not parse.
var ErrBadVerdicts = errors.New("not a verdict expression")

// verdictOrder ranks the verdicts a provenance record can carry, worst first.
var verdictOrder = []string{
	provenance.NotHardened,
	string(hardening.VerdictFail),
	string(hardening.VerdictWarn),
	string(hardening.VerdictPass),
}

// Verdicts is a set of accepted hardening verdicts. The zero value accepts none.
type Verdicts struct{ accepted []string } // in verdictOrder

// ParseVerdicts reads a verdict expression: verdicts (pass, warn, fail,
// not-hardened) separated by "|" or ",", each optionally prefixed by ">="
// for "this or better", the order being pass > warn > fail > not-hardened.
// "pass" accepts images whose hardening left nothing failing; ">= warn"
// (pass or warn) also those with failures below the build's fail_on.
func ParseVerdicts(expr string) (Verdicts, error) {
	var v Verdicts
	if strings.TrimSpace(expr) == "" {
		return v, fmt.Errorf("%w: it is empty: write pass, \">= warn\" or pass|warn", ErrBadVerdicts)
	}
	for term := range strings.FieldsFuncSeq(expr, func(r rune) bool { return r == '|' || r == ',' }) {
		term = strings.TrimSpace(term)
		name, atLeast := strings.CutPrefix(term, ">=")
		name = strings.ToLower(strings.TrimSpace(name))
		rank := slices.Index(verdictOrder, name)
		if rank < 0 {
			return Verdicts{}, fmt.Errorf("%w: %q in %q is not a verdict: use pass, warn, fail or not-hardened, optionally after >=", ErrBadVerdicts, term, expr)
		}
		v.add(name)
		if atLeast {
			for _, better := range verdictOrder[rank+1:] {
				v.add(better)
			}
		}
	}
	if len(v.accepted) == 0 {
		return v, fmt.Errorf("%w: %q names no verdict: write pass, \">= warn\" or pass|warn", ErrBadVerdicts, expr)
	}
	return v, nil
}

func (v *Verdicts) add(name string) {
	if !slices.Contains(v.accepted, name) {
		v.accepted = append(v.accepted, name)
		slices.SortFunc(v.accepted, func(a, b string) int { return slices.Index(verdictOrder, a) - slices.Index(verdictOrder, b) })
	}
}

// Accepts reports whether verdict is in the set.
func (v Verdicts) Accepts(verdict string) bool { return slices.Contains(v.accepted, verdict) }

// IsZero reports whether the set accepts nothing, as when no expression was given.
func (v Verdicts) IsZero() bool { return len(v.accepted) == 0 }

// String writes the set as ParseVerdicts reads it, best first.
func (v Verdicts) String() string {
	out := slices.Clone(v.accepted)
	slices.Reverse(out)
	return strings.Join(out, "|")
}
