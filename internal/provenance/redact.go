package provenance

import (
	"slices"
	"strings"
)

// Redacted replaces every secret value in the record.
const Redacted = "<redacted>"

// redactor scrubs secret values out of the free-form strings of a record.
type redactor struct{ replacer *strings.Replacer }

func newRedactor(secrets []string) redactor {
	s := slices.Clone(secrets)
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, v := range s {
		if v != "" {
			pairs = append(pairs, v, Redacted)
		}
	}
	return redactor{strings.NewReplacer(pairs...)}
}

func (r redactor) str(s string) string { return r.replacer.Replace(s) }

func (r redactor) stringMap(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[r.str(k)] = r.str(v)
	}
	return out
}
