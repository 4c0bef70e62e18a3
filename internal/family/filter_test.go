package family

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFilters(t *testing.T) {
	got, err := ParseFilters(map[string]string{"name": "debian-12-*", "tag:Team": "platform", "architecture": "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Filter{
		{Name: "architecture", Values: []string{"x86_64"}},
		{Name: "name", Values: []string{"debian-12-*"}},
		{Name: "tag:Team", Values: []string{"platform"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseFilters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append(want, Filter{Name: "tag:" + Tag, Values: []string{"debian"}}), WithFamily(got, "debian")); diff != "" {
		t.Errorf("WithFamily (-want +got):\n%s", diff)
	}

	bad := []map[string]string{
		{"nmae": "x"},
		{"tag:": "x"},
		{"tag:" + strings.Repeat("k", 129): "x"},
		{"name": ""},
		{"block-device-mapping.foo": "x"},
	}
	for _, f := range bad {
		if _, err := ParseFilters(f); !errors.Is(err, ErrBadFilter) {
			t.Errorf("ParseFilters(%v) = %v, want ErrBadFilter", f, err)
		}
	}
	_, err = ParseFilters(map[string]string{"nmae": "x", "tag:": "y"})
	if err == nil || !strings.Contains(err.Error(), `"nmae"`) || !strings.Contains(err.Error(), `"tag:"`) {
		t.Errorf("two bad filters: %v, want both named", err)
	}
}

// FuzzParseFilters: never panics; what parses is one filter per name, in
// name order, each with the given value.
func FuzzParseFilters(f *testing.F) {
	f.Add("name", "debian-*", "tag:Team", "platform")
	f.Add("tag:", "x", "nmae", "")
	f.Add("tag:golden:family", "debian", "state", "available")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		in := map[string]string{k1: v1, k2: v2}
		got, err := ParseFilters(in)
		if err != nil {
			if !errors.Is(err, ErrBadFilter) {
				t.Fatalf("ParseFilters(%v): %v does not wrap ErrBadFilter", in, err)
			}
			return
		}
		if len(got) != len(in) {
			t.Fatalf("ParseFilters(%v) = %v: not one filter per name", in, got)
		}
		for i, f := range got {
			if i > 0 && got[i-1].Name >= f.Name {
				t.Fatalf("ParseFilters(%v) = %v: not in name order", in, got)
			}
			if len(f.Values) != 1 || f.Values[0] != in[f.Name] {
				t.Fatalf("ParseFilters(%v): %s has values %v", in, f.Name, f.Values)
			}
		}
	})
}
