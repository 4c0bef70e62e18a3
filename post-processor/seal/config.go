//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,ProvenanceConfig

package seal

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// Config is the configuration of golden-seal.
type Config struct {
	common.PackerConfig    `mapstructure:",squash"`
	awsconfig.AccessConfig `mapstructure:",squash"`

	// The KMS key that encrypts the copies in every target region without an
	// entry in `region_kms_key_ids`: a key id, key ARN, alias (`alias/name`)
	// or alias ARN, resolved in each region (so an alias must exist in every
	// such region). Default: the AWS managed key `alias/aws/ebs`, which
	// cannot be used with `ami_users`, `ami_org_arns`, `ami_ou_arns` or
	// `snapshot_users`.
	KMSKeyID string `mapstructure:"kms_key_id" required:"false"`
	// The KMS key per region, as for `kms_key_id`. Without `kms_key_id`,
	// every target region needs an entry.
	RegionKMSKeyIDs map[string]string `mapstructure:"region_kms_key_ids" required:"false"`
	// Regions to seal the image in. Default: the regions of the input
	// artifact; regions listed here are added to them, copied from the
	// artifact's image in the build `region` (or the first, in name order).
	Regions []string `mapstructure:"regions" required:"false"`
	// The name of the sealed images. Go templates see `{{ .SourceAMI }}`,
	// `{{ .SourceAMIName }}`, `{{ .SourceRegion }}`, `{{ .Region }}`,
	// `{{ .BuildName }}`, `{{ .GitSHA }}`, `{{ timestamp }}` and `{{ isotime }}`.
	// Default: `{{ .SourceAMIName }}-sealed`.
	AMIName string `mapstructure:"ami_name" required:"false"`
	// Tags of the sealed images, templated like `ami_name`, applied when the
	// copies are created and checked against the tag policy.
	Tags map[string]string `mapstructure:"tags" required:"false"`
	// Tags of the sealed images' snapshots, added to `tags` (a key here
	// replaces the same key of `tags`), templated and checked likewise.
	SnapshotTags map[string]string `mapstructure:"snapshot_tags" required:"false"`
	// A tag policy that `tags` and `snapshot_tags` must satisfy; see
	// [Tag policies](#tag-policies).
	TagPolicy *TagPolicyConfig `mapstructure:"tag_policy" required:"false"`
	// A tag policy file (HCL, or JSON when the name ends in `.json`), for a
	// policy shared across teams; merged with `tag_policy` when both are set.
	TagPolicyFile string `mapstructure:"tag_policy_file" required:"false"`
	// AWS account ids that may launch the sealed images.
	AMIUsers []string `mapstructure:"ami_users" required:"false"`
	// ARNs of AWS Organizations whose accounts may launch the sealed images.
	AMIOrgARNs []string `mapstructure:"ami_org_arns" required:"false"`
	// ARNs of organizational units whose accounts may launch the sealed images.
	AMIOUARNs []string `mapstructure:"ami_ou_arns" required:"false"`
	// AWS account ids that may create volumes from the sealed images' snapshots.
	SnapshotUsers []string `mapstructure:"snapshot_users" required:"false"`
	// When the sealed images become deprecated, as an RFC 3339 time
	// (`2027-01-31T00:00:00Z`). Conflicts with `deprecate_after`.
	DeprecateAt string `mapstructure:"deprecate_at" required:"false"`
	// How long after sealing the images become deprecated (`2160h`).
	DeprecateAfter time.Duration `mapstructure:"deprecate_after" required:"false"`
	// Keep the input artifact's unencrypted images. Default `false`: they
	// are removed once every region is sealed.
	KeepSourceImage bool `mapstructure:"keep_source_image" required:"false"`
	// Keep what a failed run created, for inspection, instead of rolling it
	// back; the next run of the same build removes it. Default `false`.
	KeepOnFailure bool `mapstructure:"keep_on_failure" required:"false"`
	// The longest the whole seal may take, copies included. Default `2h`.
	Timeout time.Duration `mapstructure:"timeout" required:"false"`
	// Sign a provenance record of every sealed image, store it and tag the
	// image with where it is; see [Provenance](#provenance).
	Provenance *ProvenanceConfig `mapstructure:"provenance" required:"false"`
	// The family, source and retention settings; see [Lifecycle](#lifecycle).
	LifecycleConfig `mapstructure:",squash"`

	policy      *tagpolicy.Policy
	deprecateAt time.Time
	ctx         interpolate.Context
}

const (
	defaultAMIName = "{{ .SourceAMIName }}-sealed"
	defaultTimeout = 2 * time.Hour
	defaultKey     = "alias/aws/ebs"
)

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	orgARNPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$`)
	ouARNPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$`)
	amiNamePattern = regexp.MustCompile(`^[a-zA-Z0-9()\[\] ./'@_-]{3,128}$`)
)

// Prepare decodes and checks raws; every fact that does not depend on AWS
// or on the input artifact is checked here, so that `packer validate` reports it.
func (c *Config) Prepare(raws ...interface{}) error {
	err := config.Decode(c, &config.DecodeOpts{
		PluginType:         "golden-seal",
		Interpolate:        true,
		InterpolateContext: &c.ctx,
		InterpolateFilter:  &interpolate.RenderFilter{Exclude: []string{"ami_name", "tags", "snapshot_tags"}},
	}, raws...)
	if err != nil {
		return err
	}
	var errs *packersdk.MultiError
	for _, e := range c.AccessConfig.Prepare() {
		errs = packersdk.MultiErrorAppend(errs, e)
	}
	if c.AMIName == "" {
		c.AMIName = defaultAMIName
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	for _, e := range slices.Concat(c.prepareRegions(), c.prepareKeys(), c.prepareSharing(), c.prepareDeprecation(), c.prepareProvenance(), c.prepareLifecycle(), c.prepareTags()) {
		errs = packersdk.MultiErrorAppend(errs, e)
	}
	if c.Timeout < 0 {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("timeout is %v: use a positive duration such as 2h", c.Timeout))
	}
	if err := c.checkName(c.AMIName); err != nil {
		errs = packersdk.MultiErrorAppend(errs, err)
	}
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

func (c *Config) prepareRegions() []error {
	var errs []error
	for _, r := range c.Regions {
		if !awsconfig.ValidRegion(r) {
			errs = append(errs, fmt.Errorf("regions: %q is not a region name: use names such as eu-west-1", r))
		}
	}
	c.Regions = slices.Compact(slices.Sorted(slices.Values(c.Regions)))
	return errs
}

func (c *Config) prepareSharing() []error {
	var errs []error
	check := func(field string, values []string, p *regexp.Regexp, want string) {
		for _, v := range values {
			if !p.MatchString(v) {
				errs = append(errs, fmt.Errorf("%s: %q is not %s", field, v, want))
			}
		}
	}
	check("ami_users", c.AMIUsers, accountPattern, "an AWS account id (12 digits); public sharing is not possible for encrypted images")
	check("snapshot_users", c.SnapshotUsers, accountPattern, "an AWS account id (12 digits); encrypted snapshots cannot be public")
	check("ami_org_arns", c.AMIOrgARNs, orgARNPattern, "an organization ARN (arn:aws:organizations::ACCOUNT:organization/o-ID)")
	check("ami_ou_arns", c.AMIOUARNs, ouARNPattern, "an organizational unit ARN (arn:aws:organizations::ACCOUNT:ou/o-ID/ou-ID)")
	if c.sharing() {
		errs = append(errs, c.managedKeys()...)
	}
	return errs
}

// managedKeys finds the AWS managed keys that would encrypt shared images:
// kms_key_id (alias/aws/ebs when neither key setting is given) and the
// entries of region_kms_key_ids. Preflight finds those named by id or ARN.
func (c *Config) managedKeys() []error {
	const msg = "%s: images encrypted with the AWS managed key %s cannot be shared: name a customer managed key"
	var errs []error
	if c.KMSKeyID != "" || len(c.RegionKMSKeyIDs) == 0 {
		if k := c.keyFor(""); isAWSManagedAlias(k) {
			errs = append(errs, fmt.Errorf(msg, c.keyField(""), k))
		}
	}
	for _, r := range slices.Sorted(maps.Keys(c.RegionKMSKeyIDs)) {
		if k := c.RegionKMSKeyIDs[r]; isAWSManagedAlias(k) {
			errs = append(errs, fmt.Errorf(msg, c.keyField(r), k))
		}
	}
	return errs
}

// sharing reports whether any account, organization or unit gets access.
func (c *Config) sharing() bool {
	return len(c.AMIUsers)+len(c.AMIOrgARNs)+len(c.AMIOUARNs)+len(c.SnapshotUsers) > 0
}

func (c *Config) prepareDeprecation() []error {
	switch {
	case c.DeprecateAt != "" && c.DeprecateAfter != 0:
		return []error{errors.New("deprecate_at and deprecate_after both set: keep one")}
	case c.DeprecateAfter < 0:
		return []error{fmt.Errorf("deprecate_after is %v: use a positive duration such as 2160h", c.DeprecateAfter)}
	case c.DeprecateAt != "":
		t, err := time.Parse(time.RFC3339, c.DeprecateAt)
		if err != nil {
			return []error{fmt.Errorf("deprecate_at %q is not an RFC 3339 time: write it as 2027-01-31T00:00:00Z", c.DeprecateAt)}
		}
		if t.Before(time.Now()) {
			return []error{fmt.Errorf("deprecate_at %s is in the past: AWS deprecates from a future time: use a later time or deprecate_after", c.DeprecateAt)}
		}
		c.deprecateAt = t
	}
	return nil
}

func (c *Config) prepareTags() []error {
	var errs []error
	policy := &tagpolicy.Policy{}
	if c.TagPolicy != nil {
		p, err := tagpolicy.Compile(c.TagPolicy.rules())
		if err != nil {
			errs = append(errs, fmt.Errorf("tag_policy: %w", err))
		} else {
			policy = p
		}
	}
	if c.TagPolicyFile != "" {
		src, err := os.ReadFile(c.TagPolicyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("tag_policy_file: %w", err))
		} else if p, err := tagpolicy.Parse(c.TagPolicyFile, src); err != nil {
			errs = append(errs, fmt.Errorf("tag_policy_file: %w", err))
		} else if policy, err = tagpolicy.Merge(policy, p); err != nil {
			errs = append(errs, fmt.Errorf("tag_policy and tag_policy_file: %w", err))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	c.policy = policy
	snapTags := tagpolicy.MergeTags(c.Tags, c.SnapshotTags)
	return slices.Concat(
		c.checkTags("tags", c.imageReserved(), c.Tags, templated(c.Tags)...),
		c.checkTags("snapshot_tags (with tags)", imagecopy.MarkerTags, snapTags, templated(snapTags)...),
	)
}

func (c *Config) prepareProvenance() []error {
	if c.Provenance == nil {
		return nil
	}
	return c.Provenance.prepare(c.AccessConfig.Region, c.PackerSensitiveVars)
}

// checkTags checks tags against the policy and AWS's limits, counting the
// reserved tags this plugin adds, and refuses the values of sensitive variables.
func (c *Config) checkTags(field string, reserved int, tags map[string]string, unknown ...string) []error {
	var errs []error
	for _, err := range []error{c.policy.Check(tags, unknown...), tagpolicy.CheckLimits(withReserved(tags, reserved), unknown...), c.checkSecrets(tags)} {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	return errs
}

// checkSecrets refuses tags that hold the value of a sensitive variable:
// anyone who may describe an image reads its tags.
func (c *Config) checkSecrets(tags map[string]string) error {
	if c.Provenance == nil {
		return nil
	}
	secrets := c.Provenance.sensitiveValues(c.PackerSensitiveVars)
	var errs []error
	for _, t := range tagpolicy.Sorted(tags) {
		if slices.ContainsFunc(secrets, func(s string) bool { return strings.Contains(t.Key+"="+t.Value, s) }) {
			errs = append(errs, fmt.Errorf("tag %q holds the value of a sensitive variable: tags are readable by anyone who may describe the image: remove it", t.Key))
		}
	}
	return errors.Join(errs...)
}

// withReserved adds stand-ins for the reserved tags the plugin adds, so that limits count them.
func withReserved(tags map[string]string, reserved int) map[string]string {
	out := tagpolicy.MergeTags(tags)
	for i := range reserved {
		out[fmt.Sprintf("golden:reserved-%d", i)] = ""
	}
	return out
}

// imageReserved is how many tags of the 50 AWS allows the plugin adds to
// each image: imagecopy's markers, the lifecycle tags and the provenance
// pointer. Snapshots get the markers only.
func (c *Config) imageReserved() int {
	n := imagecopy.MarkerTags + len(c.lifecycleTagKeys())
	if c.Provenance == nil {
		return n
	}
	return n + c.Provenance.pointerTags
}

// templated returns the keys whose values are not known yet: Go templates
// rendered at run time (Decode has checked that they parse), and HCL values
// Packer has not computed yet.
func templated(tags map[string]string) []string {
	var keys []string
	for _, t := range tagpolicy.Sorted(tags) {
		if unknown(t.Value) {
			keys = append(keys, t.Key)
		}
	}
	return keys
}

func unknown(s string) bool {
	return strings.Contains(s, hcl2helper.UnknownVariableValue) || strings.Contains(s, "{{")
}

// checkName checks an AMI name, when it is known.
func (c *Config) checkName(name string) error {
	if !unknown(name) && !amiNamePattern.MatchString(name) {
		return fmt.Errorf("ami_name %q: AMI names are 3 to 128 letters, digits and ( ) [ ] . / - ' @ _ or spaces: rename it", name)
	}
	return nil
}
