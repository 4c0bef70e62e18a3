package tagpolicy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// good are tags that pass testdata/policy.*.
var good = map[string]string{"Owner": "ops@example.com", "CostCenter": "CC-1234", "Environment": "prod", "Team": "platform"}

func with(tags map[string]string, kv ...string) map[string]string {
	out := MergeTags(tags)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "<delete>" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestCheck(t *testing.T) {
	for _, file := range []string{"testdata/policy.hcl", "testdata/policy.json"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(file, src)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			tags    map[string]string
			unknown []string
			want    []error
		}{
			{name: "good", tags: good},
			{name: "required missing", tags: with(good, "Owner", "<delete>"), want: []error{ErrRequired}},
			{name: "required blank", tags: with(good, "Owner", " "), want: []error{ErrRequired, ErrPatternMismatch}},
			{name: "not allowed", tags: with(good, "Environment", "test"), want: []error{ErrNotAllowed}},
			{name: "pattern", tags: with(good, "CostCenter", "CC-12345"), want: []error{ErrPatternMismatch}},
			{name: "pattern is anchored", tags: with(good, "Owner", "x ops@example.com"), want: []error{ErrPatternMismatch}},
			{name: "forbidden", tags: with(good, "Name", "x"), want: []error{ErrForbidden}},
			{name: "forbidden prefix", tags: with(good, "tmp:build", "x"), want: []error{ErrForbidden}},
			{name: "every kind, in order", tags: with(good, "CostCenter", "<delete>", "Environment", "qa", "Name", "x", "Owner", "root"),
				want: []error{ErrRequired, ErrNotAllowed, ErrForbidden, ErrPatternMismatch}},
			{name: "unknown values are checked for presence only", tags: with(good, "Environment", "{{ .Env }}", "Owner", ""),
				unknown: []string{"Environment", "Owner"}},
			{name: "unknown values can still be forbidden", tags: with(good, "Name", "{{ .BuildName }}"), unknown: []string{"Name"},
				want: []error{ErrForbidden}},
		}
		for _, tt := range tests {
			t.Run(file+"/"+tt.name, func(t *testing.T) {
				assertErrors(t, p.Check(tt.tags, tt.unknown...), tt.want)
			})
		}
	}
}

// assertErrors checks that err joins exactly one error per entry of want, in order.
func assertErrors(t *testing.T, err error, want []error) {
	t.Helper()
	var got []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		got = j.Unwrap()
	} else if err != nil {
		got = []error{err}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(got), len(want), err)
	}
	for i := range want {
		if !errors.Is(got[i], want[i]) {
			t.Errorf("error %d = %q, want errors.Is %q", i, got[i], want[i])
		}
	}
}

func TestZeroPolicyAllowsEverything(t *testing.T) {
	var p Policy
	if err := p.Check(map[string]string{"Name": "x", "": ""}); err != nil {
		t.Errorf("zero policy: %v", err)
	}
}

func TestCompile(t *testing.T) {
	tests := []struct {
		name string
		r    Rules
		want []error
	}{
		{name: "empty"},
		{name: "bad pattern", r: Rules{Patterns: map[string]string{"a": "("}}, want: []error{ErrBadPattern}},
		{name: "empty allowed list", r: Rules{AllowedValues: map[string][]string{"a": {}}}, want: []error{ErrInvalidPolicy}},
		{name: "required and forbidden", r: Rules{Required: []string{"tmp:x"}, Forbidden: []string{"tmp:*"}}, want: []error{ErrConflict}},
		{name: "allowed values fail the pattern", r: Rules{AllowedValues: map[string][]string{"a": {"x"}}, Patterns: map[string]string{"a": "y"}},
			want: []error{ErrConflict}},
		{name: "forbid everything", r: Rules{Forbidden: []string{"*"}}, want: []error{ErrInvalidPolicy}},
		{name: "reserved key", r: Rules{Required: []string{"AWS:x"}}, want: []error{ErrInvalidPolicy}},
		{name: "long key", r: Rules{Patterns: map[string]string{strings.Repeat("k", 129): "x"}}, want: []error{ErrInvalidPolicy}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.r)
			assertErrors(t, err, tt.want)
			if err != nil && !errors.Is(err, tt.want[0]) {
				t.Errorf("errors.Is(%v, %v) = false on the joined error", err, tt.want[0])
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"hcl syntax", "p.hcl", "required = [", "p.hcl:1"},
		{"unknown attribute", "p.hcl", `require = ["a"]`, `An argument named "require" is not expected here`},
		{"wrong type", "p.hcl", `allowed_values = { a = "b" }`, "allowed_values"},
		{"block", "p.hcl", "tag_policy {\n}\n", "tag_policy"},
		{"json syntax", "p.json", `{"required": [}`, "p.json:1"},
		{"json is chosen by extension", "P.JSON", `required = ["a"]`, "P.JSON:1"},
		{"variables", "p.hcl", `required = [var.a]`, "Variables not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, []byte(tt.src))
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse() = %v, want %v containing %q", err, ErrSyntax, tt.want)
			}
		})
	}
	_, err := Parse("p.hcl", []byte(`patterns = { a = "[" }`))
	if !errors.Is(err, ErrBadPattern) || !strings.HasPrefix(err.Error(), "p.hcl: patterns[\"a\"]") {
		t.Errorf("Parse() = %v, want the file name and %v", err, ErrBadPattern)
	}
}

func TestMerge(t *testing.T) {
	team, err := Compile(Rules{Required: []string{"Owner"}, AllowedValues: map[string][]string{"Environment": {"dev", "prod", "staging"}},
		Patterns: map[string]string{"Owner": ".+@example\\.com"}})
	if err != nil {
		t.Fatal(err)
	}
	local, err := Compile(Rules{Required: []string{"Service"}, AllowedValues: map[string][]string{"Environment": {"prod", "qa"}},
		Patterns: map[string]string{"Owner": "ops.*"}, Forbidden: []string{"Name"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Merge(team, local)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{"Owner": "ops@example.com", "Service": "web", "Environment": "prod"}
	if err := p.Check(tags); err != nil {
		t.Errorf("merged policy refuses %v: %v", tags, err)
	}
	assertErrors(t, p.Check(with(tags, "Environment", "staging", "Owner", "dev@example.com", "Service", "<delete>", "Name", "x")),
		[]error{ErrRequired, ErrNotAllowed, ErrForbidden, ErrPatternMismatch})

	other, err := Compile(Rules{AllowedValues: map[string][]string{"Environment": {"test"}}, Required: []string{"Name"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Merge(local, other)
	assertErrors(t, err, []error{ErrConflict, ErrConflict})
}

func TestCheckLimits(t *testing.T) {
	many := map[string]string{}
	for i := range 51 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	tests := []struct {
		name    string
		tags    map[string]string
		unknown []string
		want    []error
	}{
		{name: "good", tags: good},
		{name: "51 tags", tags: with(many, strings.Repeat("k", 51), "<delete>", strings.Repeat("k", 52), "v"), want: []error{ErrTooManyTags}},
		{name: "50 tags", tags: with(many, strings.Repeat("k", 51), "<delete>")},
		{name: "empty key", tags: map[string]string{" ": "v"}, want: []error{ErrEmptyKey}},
		{name: "128 characters", tags: map[string]string{strings.Repeat("é", 128): strings.Repeat("é", 256)}},
		{name: "long key", tags: map[string]string{strings.Repeat("k", 129): "v"}, want: []error{ErrKeyTooLong}},
		{name: "long value", tags: map[string]string{"k": strings.Repeat("v", 257)}, want: []error{ErrValueTooLong}},
		{name: "long unknown value", tags: map[string]string{"k": strings.Repeat("v", 257)}, unknown: []string{"k"}},
		{name: "aws: prefix", tags: map[string]string{"Aws:Owner": "v"}, want: []error{ErrReservedPrefix}},
		{name: "aws without colon", tags: map[string]string{"awsome": "v"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, CheckLimits(tt.tags, tt.unknown...), tt.want)
		})
	}
}

func TestSortedAndMergeTags(t *testing.T) {
	got := Sorted(MergeTags(map[string]string{"b": "1", "a": "1"}, nil, map[string]string{"b": "2", "c": "3"}))
	want := []Tag{{"a", "1"}, {"b", "2"}, {"c", "3"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sorted(MergeTags()) (-want +got):\n%s", diff)
	}
}

func TestErrorMessages(t *testing.T) {
	p, err := Compile(Rules{AllowedValues: map[string][]string{"Environment": {"prod", "dev"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Check(map[string]string{"Environment": "qa"}).Error()
	want := `tag "Environment" = "qa": value not allowed by the tag policy: use one of ["dev" "prod"]`
	if got != want {
		t.Errorf("message:\n got %s\nwant %s", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/policy.hcl", "testdata/policy.json"} {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.HasSuffix(file, ".json"), src, "Environment", "prod")
	}
	f.Add(false, []byte(`patterns = { a = "(a+)+" }`), "a", strings.Repeat("a", 40))
	f.Fuzz(func(t *testing.T, json bool, src []byte, key, value string) {
		name := "policy.hcl"
		if json {
			name = "policy.json"
		}
		p, err := Parse(name, src)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a policy and %v", err)
			}
			return
		}
		tags := map[string]string{key: value}
		if err := p.Check(tags); err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
		if _, err := Merge(p, p); err != nil {
			t.Fatalf("a policy conflicts with itself: %v", err)
		}
	})
}
