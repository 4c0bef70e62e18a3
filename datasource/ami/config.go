//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,ProvenanceRequirement,DatasourceOutput,ProvenanceOutput,RejectedOutput
//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown

package ami

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/packer-plugin-sdk/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
)

// Config is the configuration of the golden-ami data source.
type Config struct {
	common.PackerConfig    `mapstructure:",squash"`
	awsconfig.AccessConfig `mapstructure:",squash"`

	// The family to pick from: the value of the `golden:family` tag that
	// golden-seal writes (its `family` setting). An image of the family must
	// also be marked sealed (`golden:seal-status = sealed`). Set `family`,
	// `filters`, or both.
	Family string `mapstructure:"family" required:"false"`
	// DescribeImages filters, name to value, such as `{ name = "debian-12-*",
	// "tag:Team" = "platform" }`; values may hold the wildcards `*` and `?`.
	// Names are those DescribeImages documents, or `tag:KEY`.
	Filters map[string]string `mapstructure:"filters" required:"false"`
	// Whose images to consider: account ids, `self`, `amazon`,
	// `aws-marketplace` or `aws-backup-vault`. Default: `["self"]`.
	Owners []string `mapstructure:"owners" required:"false"`
	// Also accept images whose deprecation time has passed. Default `false`:
	// they are rejected, and said so.
	IncludeDeprecated bool `mapstructure:"include_deprecated" required:"false"`
	// KMS keys, one of which must encrypt every snapshot of the image: key
	// ARNs, alias ARNs, or key ids and aliases (`alias/name`) resolved in
	// `region`. Whatever this says, an image with an unencrypted snapshot is
	// rejected. A key this account cannot see (an image shared from another
	// account) is read from the verified provenance, so it needs
	// `require_provenance`.
	RequireEncryptedWith []string `mapstructure:"require_encrypted_with" required:"false"`
	// Tags the image must carry, with exactly these values.
	RequireTags map[string]string `mapstructure:"require_tags" required:"false"`
	// Require a provenance record signed by a trusted key, checked as
	// `packer-plugin-golden verify` does; see
	// [Provenance requirement](#provenance-requirement).
	RequireProvenance *ProvenanceRequirement `mapstructure:"require_provenance" required:"false"`
	// The hardening verdicts the verified provenance may carry: `pass`,
	// `warn`, `fail` or `not-hardened`, separated by `|`, each optionally
	// after `>=` for "this or better" (pass > warn > fail > not-hardened).
	// `"pass"`: nothing failed; `">= warn"`: nothing failed at or above the
	// build's `fail_on`. Needs `require_provenance`.
	RequireHardeningVerdict string `mapstructure:"require_hardening_verdict" required:"false"`
	// The oldest an image may be: whole numbers with units `w`, `d`, `h`, `m`,
	// `s`, such as `30d`, `2w` or `1d12h`. Default: no limit.
	MaxAge string `mapstructure:"max_age" required:"false"`

	req     family.Requirements // what Prepare could work out; Execute adds the rest
	filters []family.Filter
	pemKeys []dsse.Verifier // require_provenance.public_key_file, loaded
}

// ProvenanceRequirement names the keys whose signatures are trusted. Give
// `kms_key_id`, `public_key_file`, or both (either may have signed).
type ProvenanceRequirement struct {
	// The KMS key that signs the records (as golden-seal's
	// `provenance.kms_key_id`): key id, key ARN, alias or alias ARN; ids and
	// aliases are looked up in `region`. Needs `kms:GetPublicKey`.
	KMSKeyID string `mapstructure:"kms_key_id" required:"false"`
	// A PEM public key file whose signatures are trusted, such as the one
	// `packer-plugin-golden verify --export-public-key` writes.
	PublicKeyFile string `mapstructure:"public_key_file" required:"false"`
	// Directories whose records (`file://` locations, from golden-seal's
	// `provenance.directory`) may be read. Records elsewhere on disk are
	// refused.
	Directories []string `mapstructure:"directories" required:"false"`
}

// unknown is what Packer puts in a string it cannot know at validate time,
// such as one computed from another data source: such values are checked
// when the data source runs.
const unknown = "<unknown>"

// sealedTags are the tags golden-seal puts on an image once it is fully
// sealed; a family's image needs them.
var sealedTags = map[string]string{imagecopy.TagStatus: imagecopy.StatusSealed}

// Prepare decodes and checks raws; everything that needs no AWS call is
// checked here, so that `packer validate` reports it.
func (c *Config) Prepare(raws ...interface{}) error {
	if err := config.Decode(c, &config.DecodeOpts{PluginType: "golden-ami"}, raws...); err != nil {
		return err
	}
	var errs *packersdk.MultiError
	for _, e := range slices.Concat(c.AccessConfig.Prepare(), c.prepareSelection(), c.prepareRequirements()) {
		errs = packersdk.MultiErrorAppend(errs, e)
	}
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

func (c *Config) prepareSelection() []error {
	var errs []error
	switch {
	case c.Family == "" && len(c.Filters) == 0:
		errs = append(errs, errors.New("no family and no filters: set family (the golden:family tag golden-seal writes) or filters, or both"))
	case c.Family != "" && c.Family != unknown:
		if err := family.CheckName(c.Family); err != nil {
			errs = append(errs, fmt.Errorf("family: %w", err))
		}
		if _, ok := c.Filters["tag:"+family.Tag]; ok {
			errs = append(errs, fmt.Errorf("family and filters[\"tag:%s\"] both set: keep family", family.Tag))
		}
	}
	known := map[string]string{}
	for k, v := range c.Filters {
		if v != unknown {
			known[k] = v
		}
	}
	filters, err := family.ParseFilters(known)
	if err != nil {
		errs = append(errs, fmt.Errorf("filters: %w", err))
	}
	c.filters = filters
	if c.Family != "" {
		c.filters = family.WithFamily(c.filters, c.Family)
	}
	if len(c.Owners) == 0 {
		c.Owners = []string{"self"}
	}
	for _, o := range c.Owners {
		if o != unknown && !awsconfig.ValidOwner(o) {
			errs = append(errs, fmt.Errorf("owners: %q is not an owner: use account ids (12 digits), self, amazon, aws-marketplace or aws-backup-vault", o))
		}
	}
	c.Owners = slices.Compact(slices.Sorted(slices.Values(c.Owners)))
	return errs
}

func (c *Config) prepareRequirements() []error {
	var errs []error
	c.req = family.Requirements{Family: c.Family, IncludeDeprecated: c.IncludeDeprecated, Tags: c.RequireTags}
	if c.Family != "" {
		c.req.FamilyTags = sealedTags
	}
	for _, ref := range c.RequireEncryptedWith {
		if _, err := kmsref.Parse(ref); ref != unknown && err != nil {
			errs = append(errs, fmt.Errorf("require_encrypted_with: %w", err))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.RequireTags)) {
		if k == "" {
			errs = append(errs, errors.New("require_tags: a tag key is empty: name the tag"))
		}
	}
	if c.MaxAge != "" && c.MaxAge != unknown {
		d, err := family.ParseAge(c.MaxAge)
		if err != nil {
			errs = append(errs, fmt.Errorf("max_age: %w", err))
		}
		c.req.MaxAge = d
	}
	if c.RequireProvenance != nil {
		c.req.Provenance = true
		errs = append(errs, c.prepareProvenance()...)
	}
	if v := c.RequireHardeningVerdict; v != "" {
		if c.RequireProvenance == nil {
			errs = append(errs, errors.New("require_hardening_verdict: the verdict is read from the verified provenance record: add require_provenance"))
		}
		if v != unknown {
			verdicts, err := family.ParseVerdicts(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("require_hardening_verdict: %w", err))
			}
			c.req.Verdicts = verdicts
		}
	}
	return errs
}

func (c *Config) prepareProvenance() []error {
	p := c.RequireProvenance
	var errs []error
	if p.KMSKeyID == "" && p.PublicKeyFile == "" {
		errs = append(errs, errors.New("require_provenance: no trusted key: set kms_key_id (the KMS key golden-seal signs with) or public_key_file (its PEM public key)"))
	}
	if p.KMSKeyID != "" && p.KMSKeyID != unknown {
		if _, err := kmssign.ParseReference(p.KMSKeyID); err != nil {
			errs = append(errs, fmt.Errorf("require_provenance.kms_key_id: %w", err))
		}
	}
	c.pemKeys = nil
	if p.PublicKeyFile != "" && p.PublicKeyFile != unknown {
		b, err := os.ReadFile(p.PublicKeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("require_provenance.public_key_file: %w", err))
		} else if v, err := kmssign.LoadPublicKeyPEM(b); err != nil {
			errs = append(errs, fmt.Errorf("require_provenance.public_key_file %s: %w", p.PublicKeyFile, err))
		} else {
			c.pemKeys = append(c.pemKeys, v)
		}
	}
	for i, d := range p.Directories {
		abs, err := filepath.Abs(d)
		if err != nil {
			errs = append(errs, fmt.Errorf("require_provenance.directories: %w", err))
			continue
		}
		p.Directories[i] = abs
	}
	return errs
}
