package hardening

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
)

// Profile is a built-in rule set.
type Profile struct {
	Name        string
	Description string
	includes    func(Rule) bool
}

// Profiles are the built-in rule sets.
var Profiles = []Profile{
	{Name: "baseline", Description: "every rule of the catalogue", includes: func(Rule) bool { return true }},
	{Name: "none", Description: "no rules: only your scripts, or the rules only_rules names", includes: func(Rule) bool { return false }},
}

// DefaultProfile is the profile when none is given.
const DefaultProfile = "baseline"

// Errors of Select, wrapped with the field and value they are about.
var (
	ErrUnknownProfile = errors.New("unknown profile")
	ErrUnknownRule    = errors.New("unknown rule")
	ErrUnknownParam   = errors.New("unknown rule parameter")
	ErrBadParam       = errors.New("invalid rule parameter value")
)

// Selection is what the user asked for.
type Selection struct {
	Profile   string            // "" means DefaultProfile
	Only      []string          // rule ids or patterns (sshd-*): these rules instead of the profile's
	Skip      []string          // rule ids or patterns to leave out
	Overrides map[string]string // parameter name → value
}

// Selected is the rules that will run, in catalogue order, and the value of
// every parameter of the catalogue.
type Selected struct {
	Profile string
	Rules   []Rule
	Params  map[string]string
}

// Select resolves a selection against the catalogue. Its error joins one error
// per bad value, each naming the field and, where one is close, the likely meant value.
func (c *Catalogue) Select(s Selection) (Selected, error) {
	var errs []error
	profile := s.Profile
	if profile == "" {
		profile = DefaultProfile
	}
	var prof *Profile
	for i := range Profiles {
		if Profiles[i].Name == profile {
			prof = &Profiles[i]
		}
	}
	if prof == nil {
		names := make([]string, len(Profiles))
		for i, p := range Profiles {
			names[i] = p.Name
		}
		errs = append(errs, fmt.Errorf("profile: %w %q%s: use one of %s", ErrUnknownProfile, profile, didYouMean(profile, names), strings.Join(names, ", ")))
	}
	only, err := c.match("only_rules", s.Only)
	errs = append(errs, err)
	skip, err := c.match("skip_rules", s.Skip)
	errs = append(errs, err)

	params := map[string]string{}
	for _, p := range c.params {
		params[p.Name] = p.Default
	}
	names := make([]string, 0, len(s.Overrides))
	for name := range s.Overrides {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		value := s.Overrides[name]
		p, ok := c.params[name]
		if !ok {
			known := make([]string, 0, len(c.params))
			for n := range c.params {
				known = append(known, n)
			}
			errs = append(errs, fmt.Errorf("rule_overrides: %w %q%s: the golden-harden docs list each rule's parameters", ErrUnknownParam, name, didYouMean(name, known)))
			continue
		}
		if !p.Pattern.MatchString(value) {
			errs = append(errs, fmt.Errorf("rule_overrides: %w %s = %q (rule %s): it must match %s: %s", ErrBadParam, name, value, p.Rule, p.Pattern, p.Description))
			continue
		}
		params[name] = value
	}
	if err := errors.Join(errs...); err != nil {
		return Selected{}, err
	}
	sel := Selected{Profile: profile, Params: params}
	for _, r := range c.Rules {
		in := prof.includes(r)
		if len(s.Only) > 0 {
			in = only[r.ID]
		}
		if in && !skip[r.ID] {
			sel.Rules = append(sel.Rules, r)
		}
	}
	return sel, nil
}

// match resolves rule ids and patterns; each must name at least one rule.
func (c *Catalogue) match(field string, patterns []string) (map[string]bool, error) {
	ids := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		ids[i] = r.ID
	}
	out := map[string]bool{}
	var errs []error
	for _, p := range patterns {
		n := 0
		for _, id := range ids {
			if ok, _ := path.Match(p, id); ok || p == id {
				out[id] = true
				n++
			}
		}
		if n == 0 {
			errs = append(errs, fmt.Errorf("%s: %w %q%s: see the rule catalogue in the golden-harden docs", field, ErrUnknownRule, p, didYouMean(p, ids)))
		}
	}
	return out, errors.Join(errs...)
}

// didYouMean suggests the known value nearest to s by edit distance, if any is
// near enough to be a typo or s is part of it.
func didYouMean(s string, known []string) string {
	best, bestDist := "", -1
	for _, k := range slices.Sorted(slices.Values(known)) {
		d := levenshtein.Distance(s, k, nil)
		if s != "" && strings.Contains(k, s) {
			d = min(d, 2)
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > max(2, len(s)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
