package tagpolicy

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Parse reads a policy file: JSON when name ends in .json, else HCL. Its
// top-level attributes are those of Rules:
//
//	required       = ["Owner", "CostCenter"]
//	allowed_values = { Environment = ["dev", "prod"] }
//	patterns       = { CostCenter = "CC-[0-9]{4}" }
//	forbidden      = ["Name", "tmp:*"]
func Parse(name string, src []byte) (*Policy, error) {
	r, err := parseRules(name, src)
	if err != nil {
		return nil, err
	}
	p, err := Compile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// parseRules reads a policy file without checking its rules.
func parseRules(name string, src []byte) (Rules, error) {
	parser := hclparse.NewParser()
	var (
		f     *hcl.File
		diags hcl.Diagnostics
	)
	if strings.EqualFold(filepath.Ext(name), ".json") {
		f, diags = parser.ParseJSON(src, name)
	} else {
		f, diags = parser.ParseHCL(src, name)
	}
	var r Rules
	if !diags.HasErrors() {
		diags = append(diags, gohcl.DecodeBody(f.Body, nil, &r)...)
	}
	if diags.HasErrors() {
		return Rules{}, fmt.Errorf("%w: %s: write the attributes required, allowed_values, patterns and forbidden only", ErrSyntax, diagnostics(diags))
	}
	return r, nil
}

func diagnostics(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags.Errs() {
		parts = append(parts, d.Error())
	}
	return strings.Join(parts, "; ")
}
