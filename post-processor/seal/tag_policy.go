package seal

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// TagPolicyConfig is a tag policy written in the template. Every rule
// applies to `tags`, and to `snapshot_tags` merged with `tags`.
type TagPolicyConfig struct {
	// Tag keys that must be present with a value that is not blank.
	Required []string `mapstructure:"required" required:"false"`
	// The values a tag may take, by key: `{ Environment = ["dev", "prod"] }`.
	AllowedValues map[string][]string `mapstructure:"allowed_values" required:"false"`
	// An RE2 regular expression the whole value must match, by key:
	// `{ CostCenter = "CC-[0-9]{4}" }`.
	Patterns map[string]string `mapstructure:"patterns" required:"false"`
	// Tag keys that must be absent; `tmp:*` forbids every key starting with `tmp:`.
	Forbidden []string `mapstructure:"forbidden" required:"false"`
}

func (t *TagPolicyConfig) rules() tagpolicy.Rules {
	return tagpolicy.Rules{Required: t.Required, AllowedValues: t.AllowedValues, Patterns: t.Patterns, Forbidden: t.Forbidden}
}

// FlatTagPolicyConfig is the HCL2 form of TagPolicyConfig. It is written by
// hand: packer-sdc turns every map into map(string), and allowed_values is a
// map of lists.
type FlatTagPolicyConfig struct {
	Required      []string            `mapstructure:"required" cty:"required" hcl:"required"`
	AllowedValues map[string][]string `mapstructure:"allowed_values" cty:"allowed_values" hcl:"allowed_values"`
	Patterns      map[string]string   `mapstructure:"patterns" cty:"patterns" hcl:"patterns"`
	Forbidden     []string            `mapstructure:"forbidden" cty:"forbidden" hcl:"forbidden"`
}

// FlatMapstructure returns the HCL2 form of TagPolicyConfig.
func (*TagPolicyConfig) FlatMapstructure() interface{ HCL2Spec() map[string]hcldec.Spec } {
	return new(FlatTagPolicyConfig)
}

// HCL2Spec is the HCL2 schema of a tag_policy block.
func (*FlatTagPolicyConfig) HCL2Spec() map[string]hcldec.Spec {
	return map[string]hcldec.Spec{
		"required":       &hcldec.AttrSpec{Name: "required", Type: cty.List(cty.String), Required: false},
		"allowed_values": &hcldec.AttrSpec{Name: "allowed_values", Type: cty.Map(cty.List(cty.String)), Required: false},
		"patterns":       &hcldec.AttrSpec{Name: "patterns", Type: cty.Map(cty.String), Required: false},
		"forbidden":      &hcldec.AttrSpec{Name: "forbidden", Type: cty.List(cty.String), Required: false},
	}
}
