// Package hcltemplate reads a Packer HCL2 template far enough to decode one
// component's blocks offline, as Packer would hand them to the plugin:
// variables (defaults, *.auto.pkrvars.hcl, -var-file, PKR_VAR_, -var),
// locals, path.root, path.cwd and the common functions. What Packer knows
// only while it builds (build.*, data sources, sources) is unknown, and
// reaches the component as the placeholder Packer uses at validate time.
package hcltemplate

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Options are the variable values of the command line and the environment.
type Options struct {
	Vars     map[string]string // -var name=value
	VarFiles []string          // -var-file
	Environ  []string          // for PKR_VAR_name
}

// Block is one block of a component in a build, decoded.
type Block struct {
	Build string    // the build's name, "" when it has none
	Range hcl.Range // where the block starts
	Value cty.Value // an object of the component's settings
	// Unknown are the settings, other than strings, that are not known
	// before the build (Value has them null), such as a list from a
	// variable without a value.
	Unknown []string
}

// packerAttrs are the settings of a post-processor or provisioner block that
// Packer keeps for itself.
var packerAttrs = []string{"name", "only", "except", "keep_input_artifact", "max_retries", "pause_before", "timeout", "override"}

// Blocks decodes every block `kind "typ" { ... }` (kind "post-processor" or
// "provisioner") in the build blocks of the template at path (a .pkr.hcl
// file, or a directory of them) with spec.
func Blocks(path, kind, typ string, spec hcldec.ObjectSpec, o Options) ([]Block, error) {
	files, dir, err := templateFiles(path)
	if err != nil {
		return nil, err
	}
	parser := hclparse.NewParser()
	var bodies []*hclsyntax.Body
	for _, f := range files {
		file, diags := parser.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("reading the template: %w", diags)
		}
		bodies = append(bodies, file.Body.(*hclsyntax.Body))
	}
	vars, err := variables(parser, bodies, dir, o)
	if err != nil {
		return nil, err
	}
	ctx := evalContext(dir)
	ctx.Variables["var"] = cty.ObjectVal(vars)
	locals, err := evalLocals(bodies, ctx)
	if err != nil {
		return nil, err
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)

	full := hcldec.ObjectSpec{}
	maps.Copy(full, spec)
	for _, a := range packerAttrs {
		if _, ok := full[a]; !ok {
			full[a] = &hcldec.AttrSpec{Name: a, Type: cty.DynamicPseudoType}
		}
	}
	var out []Block
	for _, body := range bodies {
		for _, build := range body.Blocks {
			if build.Type != "build" {
				continue
			}
			name := ""
			if a, ok := build.Body.Attributes["name"]; ok {
				if v, diags := a.Expr.Value(ctx); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() {
					name = v.AsString()
				}
			}
			for _, b := range componentBlocks(build.Body, kind, typ) {
				v, diags := hcldec.Decode(b.Body, full, ctx)
				if diags.HasErrors() {
					return nil, fmt.Errorf("%s %q: %w", kind, typ, diags)
				}
				attrs := v.AsValueMap()
				for _, a := range packerAttrs {
					if _, own := spec[a]; !own {
						delete(attrs, a)
					}
				}
				v, unknown := placeholders(cty.ObjectVal(attrs))
				out = append(out, Block{Build: name, Range: b.DefRange(), Value: v, Unknown: unknown})
			}
		}
	}
	return out, nil
}

// templateFiles lists the template files at path and the template's directory.
func templateFiles(path string) ([]string, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading the template: %w", err)
	}
	if !fi.IsDir() {
		abs, err := filepath.Abs(path)
		return []string{path}, filepath.Dir(abs), err
	}
	files, err := filepath.Glob(filepath.Join(path, "*.pkr.hcl"))
	if err != nil {
		return nil, "", err
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("no *.pkr.hcl file in %s: name the template file or its directory (JSON templates are not read)", path)
	}
	abs, err := filepath.Abs(path)
	return files, abs, err
}

// componentBlocks are the kind "typ" blocks of a build, also those inside
// post-processors { } sequences.
func componentBlocks(build *hclsyntax.Body, kind, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range build.Blocks {
		switch {
		case b.Type == kind && len(b.Labels) > 0 && b.Labels[0] == typ:
			out = append(out, b)
		case b.Type == kind+"s":
			out = append(out, componentBlocks(b.Body, kind, typ)...)
		}
	}
	return out
}

// variables are the variables' values: defaults, then auto var files,
// -var-file, PKR_VAR_ and -var, each converted to the variable's type.
// A variable without a value is unknown.
func variables(parser *hclparse.Parser, bodies []*hclsyntax.Body, dir string, o Options) (map[string]cty.Value, error) {
	types, vals := map[string]cty.Type{}, map[string]cty.Value{}
	for _, body := range bodies {
		for _, b := range body.Blocks {
			if b.Type != "variable" || len(b.Labels) != 1 {
				continue
			}
			name := b.Labels[0]
			types[name] = cty.DynamicPseudoType
			if a, ok := b.Body.Attributes["type"]; ok {
				t, diags := typeexpr.TypeConstraint(a.Expr)
				if diags.HasErrors() {
					return nil, fmt.Errorf("variable %q: %w", name, diags)
				}
				types[name] = t
			}
			if a, ok := b.Body.Attributes["default"]; ok {
				v, diags := a.Expr.Value(nil)
				if diags.HasErrors() {
					return nil, fmt.Errorf("variable %q: %w", name, diags)
				}
				vals[name] = v
			}
		}
	}
	auto, err := filepath.Glob(filepath.Join(dir, "*.auto.pkrvars.hcl"))
	if err != nil {
		return nil, err
	}
	for _, f := range append(auto, o.VarFiles...) {
		file, diags := parser.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("reading %s: %w", f, diags)
		}
		attrs, diags := file.Body.JustAttributes()
		if diags.HasErrors() {
			return nil, fmt.Errorf("reading %s: %w", f, diags)
		}
		for name, a := range attrs {
			if _, ok := types[name]; !ok {
				return nil, fmt.Errorf("%s sets %q, which the template does not declare", f, name)
			}
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, fmt.Errorf("reading %s: %w", f, diags)
			}
			vals[name] = v
		}
	}
	given := map[string]string{}
	for _, kv := range o.Environ {
		if name, value, ok := strings.Cut(strings.TrimPrefix(kv, "PKR_VAR_"), "="); ok && strings.HasPrefix(kv, "PKR_VAR_") {
			if _, declared := types[name]; declared {
				given[name] = value
			}
		}
	}
	maps.Copy(given, o.Vars)
	for _, name := range slices.Sorted(maps.Keys(given)) {
		t, ok := types[name]
		if !ok {
			return nil, fmt.Errorf("-var %s: the template declares no variable %q", name, name)
		}
		v, err := parseValue(given[name], t)
		if err != nil {
			return nil, fmt.Errorf("-var %s: %w", name, err)
		}
		vals[name] = v
	}
	out := map[string]cty.Value{}
	for name, t := range types {
		v, ok := vals[name]
		if !ok {
			out[name] = cty.UnknownVal(t)
			continue
		}
		cv, err := convert.Convert(v, t)
		if err != nil {
			return nil, fmt.Errorf("variable %q: %w", name, err)
		}
		out[name] = cv
	}
	return out, nil
}

// parseValue reads a command line value: as is for strings, else as an HCL expression.
func parseValue(s string, t cty.Type) (cty.Value, error) {
	if t == cty.String || t == cty.DynamicPseudoType {
		return cty.StringVal(s), nil
	}
	expr, diags := hclsyntax.ParseExpression([]byte(s), "<value>", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

// evalLocals evaluates locals blocks and local blocks, in as many rounds as
// their references need.
func evalLocals(bodies []*hclsyntax.Body, ctx *hcl.EvalContext) (map[string]cty.Value, error) {
	pending := map[string]hcl.Expression{}
	for _, body := range bodies {
		for _, b := range body.Blocks {
			switch {
			case b.Type == "locals":
				for name, a := range b.Body.Attributes {
					pending[name] = a.Expr
				}
			case b.Type == "local" && len(b.Labels) == 1:
				if a, ok := b.Body.Attributes["expression"]; ok {
					pending[b.Labels[0]] = a.Expr
				}
			}
		}
	}
	locals := map[string]cty.Value{}
	for len(pending) > 0 {
		ctx.Variables["local"] = cty.ObjectVal(locals)
		var errs []error
		progress := false
		for _, name := range slices.Sorted(maps.Keys(pending)) {
			v, diags := pending[name].Value(ctx)
			if diags.HasErrors() {
				errs = append(errs, fmt.Errorf("local %q: %w", name, diags))
				continue
			}
			locals[name] = v
			delete(pending, name)
			progress = true
		}
		if !progress {
			return nil, errors.Join(errs...)
		}
	}
	return locals, nil
}

// placeholders puts Packer's placeholder where a string is unknown, and
// nulls other unknown values, as Packer does for a component at validate
// time; it returns the paths of those.
func placeholders(v cty.Value) (cty.Value, []string) {
	v, _ = v.UnmarkDeep()
	var dropped []string
	out, _ := cty.Transform(v, func(path cty.Path, v cty.Value) (cty.Value, error) {
		switch {
		case v.IsKnown():
			return v, nil
		case v.Type() == cty.String || v.Type() == cty.DynamicPseudoType:
			return cty.StringVal(hcl2helper.UnknownVariableValue), nil
		}
		dropped = append(dropped, pathString(path))
		return cty.NullVal(v.Type()), nil
	})
	slices.Sort(dropped)
	return out, dropped
}

// pathString writes a path as HCL would: provenance.s3_bucket, tags["Team"], regions[0].
func pathString(path cty.Path) string {
	var b strings.Builder
	for _, step := range path {
		switch s := step.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else {
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().String())
			}
		}
	}
	return b.String()
}
