package hardening

import (
	"bytes"
	"embed"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// The catalogue's source: rules/*.hcl, which TestCatalogueJSON turns into
// catalogue.json.

//go:embed rules/*.hcl
var rulesFS embed.FS

// ruleFiles are the catalogue's files in the order their rules run: packages are
// removed and installed before the rules that configure or scan what they left.
var ruleFiles = []string{"packages", "services", "ssh", "kernel", "network", "modules", "files", "accounts"}

// load reads the catalogue from rules/*.hcl.
func load() (*Catalogue, error) {
	files, err := parseRuleFiles()
	if err != nil {
		return nil, err
	}
	return fromFiles(files)
}

// parseRuleFiles parses rules/*.hcl, in ruleFiles order.
func parseRuleFiles() ([]catalogueFile, error) {
	parser := hclparse.NewParser()
	var files []catalogueFile
	for _, name := range ruleFiles {
		file := "rules/" + name + ".hcl"
		src, err := rulesFS.ReadFile(file)
		if err != nil {
			return nil, err
		}
		f, diags := parser.ParseHCL(src, file)
		if diags.HasErrors() {
			return nil, diags
		}
		cf := catalogueFile{Name: name}
		if diags := gohcl.DecodeBody(f.Body, &hcl.EvalContext{}, &cf); diags.HasErrors() {
			return nil, diags
		}
		files = append(files, cf)
	}
	return files, nil
}

// catalogue.json, which Default reads, is rules/*.hcl parsed; go test -update rewrites it.
func TestCatalogueJSON(t *testing.T) {
	files, err := parseRuleFiles()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(files); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("catalogue.json", want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(want.Bytes(), catalogueJSON) {
		t.Error("catalogue.json is not rules/*.hcl parsed: run go test ./internal/hardening -update")
	}
	fromHCL, err := load()
	if err != nil {
		t.Fatal(err)
	}
	sameRegexp := cmp.Comparer(func(a, b *regexp.Regexp) bool { return a.String() == b.String() })
	if diff := cmp.Diff(fromHCL, Default(), sameRegexp, cmp.AllowUnexported(Catalogue{})); diff != "" {
		t.Errorf("Default() differs from rules/*.hcl (-hcl +default):\n%s", diff)
	}
}
