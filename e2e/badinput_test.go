package e2e

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

// badInputDir holds the corpus: each COMPONENT-NAME.pkr.hcl is a template
// that packer validate must refuse, with comment lines
//
//	# field: the setting the message must name
//	# want: another substring the message must hold
//
// and its companion files COMPONENT-NAME.* (tag policy files, keys) beside it.
// plugins.hcl.txt is the packer block every case shares.
const badInputDir = "testdata/badinput"

// badInputComponents are the components the corpus must cover, by file prefix.
var badInputComponents = []string{"ami", "harden", "sandbox", "seal"}

type badInput struct {
	name  string
	field string
	wants []string
	files []string // the case and its companions
}

func readBadInputs(t *testing.T) []badInput {
	t.Helper()
	cases, err := filepath.Glob(filepath.Join(badInputDir, "*.pkr.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []badInput
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".pkr.hcl")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := badInput{name: name}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "# field: "); ok {
				c.field = v
			} else if v, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
				c.wants = append(c.wants, v)
			}
		}
		if c.field == "" {
			t.Fatalf("%s: no # field: line naming the setting the message must name", path)
		}
		companions, err := filepath.Glob(filepath.Join(badInputDir, name+".*"))
		if err != nil {
			t.Fatal(err)
		}
		c.files = companions
		out = append(out, c)
	}
	return out
}

// TestBadInput: every configuration of the corpus fails packer validate with
// a message naming the field, and packer validate makes no AWS call.
func TestBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("needs packer and moto: not run with -short")
	}
	rig := awstest.Shared(t)
	p := packertest.New(t)
	p.Env = rig.Env()
	cases := readBadInputs(t)
	if len(cases) < 40 {
		t.Errorf("the corpus has %d cases, want at least 40", len(cases))
	}
	for _, comp := range badInputComponents {
		n := 0
		for _, c := range cases {
			if strings.HasPrefix(c.name, comp+"-") {
				n++
			}
		}
		if n < 5 {
			t.Errorf("the corpus has %d cases of %s, want at least 5", n, comp)
		}
	}
	plugins, err := os.ReadFile(filepath.Join(badInputDir, "plugins.hcl.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "plugins.pkr.hcl"), plugins, 0o644); err != nil {
					t.Fatal(err)
				}
				for _, f := range c.files {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				res := p.Run(t, t.Context(), dir, nil, "validate", ".")
				if res.ExitCode == 0 {
					t.Fatal("packer validate accepted it")
				}
				out := strings.Join(strings.Fields(res.Output), " ") // packer wraps long lines
				for _, w := range append([]string{c.field}, c.wants...) {
					if !strings.Contains(out, w) {
						t.Errorf("packer validate does not say %q", w)
					}
				}
			})
		}
	})
	if calls := rig.Proxy().Calls(); len(calls) != 0 {
		t.Errorf("packer validate made %d AWS calls, want none: %+v", len(calls), calls)
	}
}
