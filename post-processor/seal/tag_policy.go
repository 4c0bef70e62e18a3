//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown

package seal

import "github.com/goldenami/packer-plugin-golden/internal/tagpolicy"

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
