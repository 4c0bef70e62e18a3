//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type RetentionConfig

package seal

import (
	"errors"
	"fmt"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// LifecycleConfig is golden-seal's part in the life of a family of images:
// which family the sealed images join, which images a build may start from,
// and which older images of the family to retire; see
// [Lifecycle](#lifecycle).
type LifecycleConfig struct {
	// The family the sealed images belong to, written as the tag
	// `golden:family` on each. The `golden-ami` data source selects by it,
	// and `retention` touches no image without it. With `family` (or
	// `source_ami_owners`) the images also get the tags
	// `golden:source-ami` and `golden:source-ami-owner`: the AMI the build
	// started from and its owner.
	Family string `mapstructure:"family" required:"false"`
	// The owners the build's source AMI may belong to: account ids, `self`,
	// or owner aliases (`amazon`, `aws-marketplace`, `aws-backup-vault`).
	// When set, the seal fails before anything is copied if the builder
	// started from an image of another owner, or does not say which image it
	// started from.
	SourceAMIOwners []string `mapstructure:"source_ami_owners" required:"false"`
	// Retire older images of `family` in every sealed region once the new
	// images are sealed; see [Retention](#retention).
	Retention *RetentionConfig `mapstructure:"retention" required:"false"`
}

// RetentionConfig says which images of the family to keep. Set
// `keep_latest`, `max_age`, or both: an image is removed when neither keeps
// it. Whatever they say, an image in use, the image just sealed, and images
// without the family's tag are never touched.
type RetentionConfig struct {
	// Keep the newest images of the family in each region, the one just
	// sealed included, in use or not.
	KeepLatest int `mapstructure:"keep_latest" required:"false"`
	// Keep images younger than this: whole numbers with units `w`, `d`,
	// `h`, `m`, `s`, such as `90d` or `12w`.
	MaxAge string `mapstructure:"max_age" required:"false"`
	// Deprecate every kept image but the one just sealed (from about a
	// minute from now), so that `DescribeImages` hides them from consumers
	// that do not ask for deprecated images. Default `false`.
	DeprecateSuperseded bool `mapstructure:"deprecate_superseded" required:"false"`
	// Print what retention would do, and change nothing. Default `false`.
	DryRun bool `mapstructure:"dry_run" required:"false"`

	policy family.Policy
}

func (c *Config) prepareLifecycle() []error {
	var errs []error
	l := &c.LifecycleConfig
	if l.Family != "" {
		if err := family.CheckName(l.Family); err != nil {
			errs = append(errs, fmt.Errorf("family: %w", err))
		}
	}
	for _, o := range l.SourceAMIOwners {
		if !awsconfig.ValidOwner(o) {
			errs = append(errs, fmt.Errorf("source_ami_owners: %q is not an owner: use account ids (12 digits), self, amazon, aws-marketplace or aws-backup-vault", o))
		}
	}
	for _, k := range c.lifecycleTagKeys() {
		for _, f := range []struct {
			name string
			tags map[string]string
		}{{"tags", c.Tags}, {"snapshot_tags", c.SnapshotTags}} {
			if _, ok := f.tags[k]; ok {
				errs = append(errs, fmt.Errorf("%s[%q]: golden-seal writes this tag itself: remove it from %s", f.name, k, f.name))
			}
		}
	}
	if r := l.Retention; r != nil {
		if l.Family == "" {
			errs = append(errs, errors.New("retention: it acts on the images tagged golden:family: set family"))
		}
		r.policy = family.Policy{KeepLatest: r.KeepLatest, DeprecateSuperseded: r.DeprecateSuperseded}
		var err error
		if r.MaxAge != "" {
			if r.policy.MaxAge, err = family.ParseAge(r.MaxAge); err != nil {
				errs = append(errs, fmt.Errorf("retention.max_age: %w", err))
			}
		}
		if err == nil {
			if err := r.policy.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("retention: %w", err))
			}
		}
	}
	return errs
}

// lifecycleTagKeys are the tags the lifecycle settings add to each image.
func (c *Config) lifecycleTagKeys() []string {
	var keys []string
	if c.Family != "" {
		keys = append(keys, family.Tag)
	}
	if c.Family != "" || len(c.SourceAMIOwners) > 0 {
		keys = append(keys, family.TagSourceAMI, family.TagSourceOwner)
	}
	return keys
}
