package seal

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

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
