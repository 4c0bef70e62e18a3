// Package iampolicy is an IAM policy document: statements with their Sid,
// actions, resources and conditions, written in a stable order so that a
// generated policy can be committed and compared.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Version is the policy language version every document declares.
const Version = "2012-10-17"

// Document is an identity-based policy.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement allows actions on resources, under conditions.
type Statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
	// Condition is operator → condition key → values.
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// Allow is a statement that allows actions on resources.
func Allow(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// When adds a condition to the statement.
func (s Statement) When(operator, key string, values ...string) Statement {
	c := map[string]map[string][]string{}
	for op, kv := range s.Condition {
		c[op] = maps.Clone(kv)
	}
	if c[operator] == nil {
		c[operator] = map[string][]string{}
	}
	c[operator][key] = append(c[operator][key], values...)
	s.Condition = c
	return s
}

// New is a document of the statements, in their order, each with its
// actions, resources and condition values sorted and without duplicates.
func New(statements ...Statement) Document {
	d := Document{Version: Version}
	for _, s := range statements {
		s.Action = sortedSet(s.Action)
		s.Resource = sortedSet(s.Resource)
		for _, kv := range s.Condition {
			for k, v := range kv {
				kv[k] = sortedSet(v)
			}
		}
		d.Statement = append(d.Statement, s)
	}
	return d
}

func sortedSet(s []string) []string { return slices.Compact(slices.Sorted(slices.Values(s))) }

// Validate says what makes the document unusable.
func (d Document) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, s := range d.Statement {
		switch {
		case s.Sid == "" || seen[s.Sid]:
			errs = append(errs, fmt.Errorf("statement %d: Sid %q is empty or repeated", i, s.Sid))
		case len(s.Action) == 0 || len(s.Resource) == 0:
			errs = append(errs, fmt.Errorf("statement %s names no action or no resource", s.Sid))
		}
		seen[s.Sid] = true
	}
	if len(d.Statement) == 0 {
		errs = append(errs, errors.New("the policy has no statement"))
	}
	return errors.Join(errs...)
}

// Sids are the statements' ids, in order.
func (d Document) Sids() []string {
	var out []string
	for _, s := range d.Statement {
		out = append(out, s.Sid)
	}
	return out
}

// Without is the document without the statement sid.
func (d Document) Without(sid string) Document {
	out := Document{Version: d.Version}
	for _, s := range d.Statement {
		if s.Sid != sid {
			out.Statement = append(out.Statement, s)
		}
	}
	return out
}

// JSON is the document indented by two spaces, with a final newline.
func (d Document) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
