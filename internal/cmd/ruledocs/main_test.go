package main

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

// TestPartialIsCurrent: the committed rule table is what the catalogue renders.
func TestPartialIsCurrent(t *testing.T) {
	want, err := os.ReadFile("../../../docs-partials/provisioner/harden/rules.mdx")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(render(hardening.Default()))); diff != "" {
		t.Errorf("rules.mdx is stale: run go generate ./provisioner/harden (-committed +rendered):\n%s", diff)
	}
}

func TestCell(t *testing.T) {
	if got, want := cell("a|b\n<c> {d}"), `a\|b &lt;c&gt; &#123;d&#125;`; got != want {
		t.Errorf("cell = %q, want %q", got, want)
	}
}
