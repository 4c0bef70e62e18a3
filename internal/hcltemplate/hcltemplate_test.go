package hcltemplate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	"github.com/zclconf/go-cty/cty"
)

// spec stands in for a component's: a few settings of golden-seal.
var spec = hcldec.ObjectSpec{
	"region":     &hcldec.AttrSpec{Name: "region", Type: cty.String},
	"regions":    &hcldec.AttrSpec{Name: "regions", Type: cty.List(cty.String)},
	"tags":       &hcldec.AttrSpec{Name: "tags", Type: cty.Map(cty.String)},
	"provenance": &hcldec.BlockSpec{TypeName: "provenance", Nested: hcldec.ObjectSpec{"s3_bucket": &hcldec.AttrSpec{Name: "s3_bucket", Type: cty.String}}},
}

// plain turns a block's value into Go values, for comparing.
func plain(v cty.Value) any {
	switch {
	case v.IsNull():
		return nil
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type().IsListType() || v.Type().IsTupleType():
		var out []any
		for _, e := range v.AsValueSlice() {
			out = append(out, plain(e))
		}
		return out
	}
	out := map[string]any{}
	for k, e := range v.AsValueMap() {
		out[k] = plain(e)
	}
	return out
}

func TestBlocks(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []any
	}{
		{"defaults and auto var files", Options{}, []any{
			map[string]any{"region": "us-east-1", "regions": []any{"ap-south-1"},
				"tags":       map[string]any{"Name": "golden-us-east-1", "Team": "PLATFORM", "Source": hcl2helper.UnknownVariableValue},
				"provenance": map[string]any{"s3_bucket": "records-built"}},
			map[string]any{"region": "eu-west-1", "regions": nil, "tags": map[string]any{"Token": "s3cr3t"}, "provenance": nil},
		}},
		{"-var wins over PKR_VAR_, which wins over files", Options{
			Vars:    map[string]string{"regions": `["eu-west-1", "ap-south-1"]`},
			Environ: []string{"PKR_VAR_region=eu-central-1", "PKR_VAR_regions=[]", "PKR_VAR_undeclared=x", "HOME=/root"},
		}, []any{
			map[string]any{"region": "eu-central-1", "regions": []any{"eu-west-1", "ap-south-1"},
				"tags":       map[string]any{"Name": "golden-eu-central-1", "Team": "PLATFORM", "Source": hcl2helper.UnknownVariableValue},
				"provenance": map[string]any{"s3_bucket": "records-built"}},
			map[string]any{"region": "eu-west-1", "regions": nil, "tags": map[string]any{"Token": "s3cr3t"}, "provenance": nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, err := Blocks("testdata/template", "post-processor", "golden-seal", spec, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []any
			for _, b := range blocks {
				if b.Build != "golden" {
					t.Errorf("build %q, want golden", b.Build)
				}
				got = append(got, plain(b.Value))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
		})
	}
}

// A setting other than a string that a build only knows is null, and named.
func TestBlocksUnknown(t *testing.T) {
	blocks, err := Blocks("testdata/template", "post-processor", "golden-seal", spec, Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks[0].Unknown) != 0 {
		t.Errorf("unknown %v, want none: regions comes from the auto var file", blocks[0].Unknown)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.pkr.hcl"), []byte(`variable "regions" { type = list(string) }
build {
  post-processor "golden-seal" {
    regions = var.regions
    tags    = { Team = build.Team }
  }
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	blocks, err = Blocks(dir, "post-processor", "golden-seal", spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"regions"}, blocks[0].Unknown); diff != "" {
		t.Errorf("unknown (-want +got):\n%s", diff)
	}
	if got := plain(blocks[0].Value); !cmp.Equal(got.(map[string]any)["tags"], map[string]any{"Team": hcl2helper.UnknownVariableValue}) {
		t.Errorf("tags %v, want the placeholder for an unknown string", got)
	}
}

func TestBlocksErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		opts Options
		want string
	}{
		{"no template", "testdata/missing", Options{}, "no such file"},
		{"undeclared -var", "testdata/template", Options{Vars: map[string]string{"nope": "x"}}, `declares no variable "nope"`},
		{"a list that does not parse", "testdata/template", Options{Vars: map[string]string{"regions": `["eu-west-1"`}}, "-var regions"},
		{"a var file naming an undeclared variable", "testdata/template", Options{VarFiles: []string{"testdata/bad.pkrvars.hcl"}}, `sets "colour", which the template does not declare`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Blocks(tt.path, "post-processor", "golden-seal", spec, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Blocks() = %v, want %q", err, tt.want)
			}
		})
	}
}

// FuzzParseValue: -var values come from command lines.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{`["eu-west-1"]`, `{ a = "b" }`, `42`, `[`, `"x"`, `var.x`} {
		f.Add(s)
	}
	types := []cty.Type{cty.String, cty.Number, cty.List(cty.String), cty.Map(cty.String), cty.DynamicPseudoType}
	f.Fuzz(func(t *testing.T, s string) {
		for _, ty := range types {
			v, err := parseValue(s, ty)
			if err == nil && v == cty.NilVal {
				t.Fatalf("parseValue(%q, %s) gave no value and no error", s, ty.FriendlyName())
			}
		}
	})
}
