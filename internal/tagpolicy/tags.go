package tagpolicy

import (
	"maps"
	"slices"
)

// Tag is one key and value, for APIs that take tags as a list.
type Tag struct {
	Key   string
	Value string
}

// Sorted returns tags as a list ordered by key, so that requests, logs and
// hashes are the same on every run.
func Sorted(tags map[string]string) []Tag {
	out := make([]Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, Tag{Key: k, Value: tags[k]})
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// MergeTags returns one set of tags from layers; a key in a later layer replaces
// the same key in an earlier one.
func MergeTags(layers ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, l := range layers {
		maps.Copy(out, l)
	}
	return out
}
