package tagpolicy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Rules is a tag policy as written in a template or a policy file.
type Rules struct {
	// Required keys must be present with a value that is not blank.
	Required []string `hcl:"required,optional"`
	// AllowedValues maps a key to the values it may take, when present.
	AllowedValues map[string][]string `hcl:"allowed_values,optional"`
	// Patterns maps a key to an RE2 regular expression its whole value must
	// match, when present.
	Patterns map[string]string `hcl:"patterns,optional"`
	// Forbidden keys must be absent; an entry ending in * forbids every key
	// with that prefix.
	Forbidden []string `hcl:"forbidden,optional"`
}

// Policy is a checked set of rules. The zero Policy allows every tag.
type Policy struct {
	required  []string
	allowed   map[string][]string         // sorted, deduplicated values
	patterns  map[string][]*regexp.Regexp // all must match
	forbidden []string
}

// Compile checks rules and returns the policy they make.
func Compile(r Rules) (*Policy, error) {
	p := &Policy{allowed: map[string][]string{}, patterns: map[string][]*regexp.Regexp{}}
	var errs []error
	for _, k := range r.Required {
		errs = append(errs, policyKey("required", k))
	}
	p.required = dedupe(r.Required)
	for _, k := range sortedKeys(r.Patterns) {
		if err := policyKey("patterns", k); err != nil {
			errs = append(errs, err)
			continue
		}
		re, err := regexp.Compile(`^(?:` + r.Patterns[k] + `)$`)
		if err != nil {
			errs = append(errs, fmt.Errorf("patterns[%q]: %w: %w: write an RE2 expression (https://github.com/google/re2/wiki/Syntax)", k, ErrBadPattern, err))
			continue
		}
		p.patterns[k] = []*regexp.Regexp{re}
	}
	for _, k := range sortedKeys(r.AllowedValues) {
		if err := policyKey("allowed_values", k); err != nil {
			errs = append(errs, err)
			continue
		}
		if len(r.AllowedValues[k]) == 0 {
			errs = append(errs, fmt.Errorf("allowed_values[%q]: %w: the list is empty, so no value is allowed: list the values, or forbid the key", k, ErrInvalidPolicy))
			continue
		}
		p.allowed[k] = dedupe(r.AllowedValues[k])
	}
	for _, f := range r.Forbidden {
		if strings.TrimSuffix(f, "*") == "" {
			errs = append(errs, fmt.Errorf("forbidden: %w: %q forbids every key: name keys, or key prefixes ending in *", ErrInvalidPolicy, f))
		}
	}
	p.forbidden = dedupe(r.Forbidden)
	errs = append(errs, p.conflicts()...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func policyKey(field, k string) error {
	if err := checkKey(k); err != nil {
		return fmt.Errorf("%s: %w: %w", field, ErrInvalidPolicy, err)
	}
	return nil
}

// conflicts finds keys the policy both requires and forbids, and allowed
// values that the key's patterns reject.
func (p *Policy) conflicts() []error {
	var errs []error
	for _, k := range p.required {
		if f, ok := p.forbids(k); ok {
			errs = append(errs, fmt.Errorf("tag %q: %w: required, and forbidden by %q: drop one of the two rules", k, ErrConflict, f))
		}
	}
	for _, k := range sortedKeys(p.allowed) {
		var usable []string
		for _, v := range p.allowed[k] {
			if p.matches(k, v) {
				usable = append(usable, v)
			}
		}
		if len(usable) == 0 {
			errs = append(errs, fmt.Errorf("tag %q: %w: none of the allowed values %q matches the patterns: fix the values or the patterns", k, ErrConflict, p.allowed[k]))
		}
	}
	return errs
}

// Merge returns a policy that holds tags to both p and q: the union of their
// required and forbidden keys, the intersection of their allowed values, and
// both sets of patterns.
func Merge(p, q *Policy) (*Policy, error) {
	out := &Policy{
		required:  dedupe(append(slices.Clone(p.required), q.required...)),
		forbidden: dedupe(append(slices.Clone(p.forbidden), q.forbidden...)),
		allowed:   map[string][]string{},
		patterns:  map[string][]*regexp.Regexp{},
	}
	for k, re := range p.patterns {
		out.patterns[k] = slices.Clone(re)
	}
	for k, re := range q.patterns {
		out.patterns[k] = append(out.patterns[k], re...)
	}
	var errs []error
	for k, vs := range p.allowed {
		out.allowed[k] = vs
	}
	for _, k := range sortedKeys(q.allowed) {
		vs, ok := out.allowed[k]
		if !ok {
			out.allowed[k] = q.allowed[k]
			continue
		}
		both := slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return !slices.Contains(q.allowed[k], v) })
		if len(both) == 0 {
			errs = append(errs, fmt.Errorf("tag %q: %w: one policy allows %q, the other %q, so no value is allowed: align the two lists", k, ErrConflict, vs, q.allowed[k]))
			continue
		}
		out.allowed[k] = both
	}
	errs = append(errs, out.conflicts()...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Check returns every way tags break the policy, joined, in key order. The
// values of the keys in unknown are not known yet (templated): they are
// checked for presence only.
func (p *Policy) Check(tags map[string]string, unknown ...string) error {
	var errs []error
	for _, k := range p.required {
		if v, ok := tags[k]; !ok || (strings.TrimSpace(v) == "" && !slices.Contains(unknown, k)) {
			errs = append(errs, fmt.Errorf("tag %q: %w: add it with a value", k, ErrRequired))
		}
	}
	for _, k := range sortedKeys(tags) {
		if f, ok := p.forbids(k); ok {
			errs = append(errs, fmt.Errorf("tag %q: %w (rule %q): remove it", k, ErrForbidden, f))
			continue
		}
		if slices.Contains(unknown, k) {
			continue
		}
		v := tags[k]
		if vs, ok := p.allowed[k]; ok && !slices.Contains(vs, v) {
			errs = append(errs, fmt.Errorf("tag %q = %q: %w: use one of %q", k, v, ErrNotAllowed, vs))
		}
		for _, re := range p.patterns[k] {
			if !re.MatchString(v) {
				errs = append(errs, fmt.Errorf("tag %q = %q: %w %s: change the value", k, v, ErrPatternMismatch, strings.TrimSuffix(strings.TrimPrefix(re.String(), "^(?:"), ")$")))
			}
		}
	}
	return errors.Join(errs...)
}

func (p *Policy) matches(k, v string) bool {
	for _, re := range p.patterns[k] {
		if !re.MatchString(v) {
			return false
		}
	}
	return true
}

// forbids returns the rule that forbids key k.
func (p *Policy) forbids(k string) (string, bool) {
	for _, f := range p.forbidden {
		if prefix, ok := strings.CutSuffix(f, "*"); (ok && strings.HasPrefix(k, prefix)) || f == k {
			return f, true
		}
	}
	return "", false
}

func dedupe(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}
