//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown

package seal

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
)

// ProvenanceConfig is how golden-seal signs and stores the provenance record
// of every image it seals; see [Provenance](#provenance). Name exactly one
// signing key and at least one store.
type ProvenanceConfig struct {
	// The KMS key that signs the records: an asymmetric key with KeyUsage
	// `SIGN_VERIFY` and KeySpec `ECC_NIST_P256`, as a key id, key ARN, alias
	// (`alias/name`) or alias ARN. KMS signs the sha256 of each record
	// (MessageType `DIGEST`). An ARN names the key's region; an id or an
	// alias is looked up in `region`. Conflicts with `signing_key_file`.
	KMSKeyID string `mapstructure:"kms_key_id" required:"false"`
	// A PEM private key file that signs the records instead of KMS, for
	// offline use: an unencrypted ECDSA P-256, Ed25519 or RSA (2048 bits or
	// more) key. Conflicts with `kms_key_id`.
	SigningKeyFile string `mapstructure:"signing_key_file" required:"false"`
	// An S3 bucket to store each record in, as the object
	// `s3_prefix/REGION/AMI_ID.intoto.json`.
	S3Bucket string `mapstructure:"s3_bucket" required:"false"`
	// The key prefix of the records in `s3_bucket`. Default: none.
	S3Prefix string `mapstructure:"s3_prefix" required:"false"`
	// The region of `s3_bucket`. Default: `region`.
	S3Region string `mapstructure:"s3_region" required:"false"`
	// A KMS key that encrypts the records in `s3_bucket` (SSE-KMS): key id,
	// key ARN, alias or alias ARN. Default: the bucket's default encryption.
	S3KMSKeyID string `mapstructure:"s3_kms_key_id" required:"false"`
	// An SSM Parameter Store path to store each record under, as the
	// `String` parameter `ssm_prefix/REGION/AMI_ID` in the image's own
	// region: Standard tier up to 4 KB, Advanced tier (charged by AWS) up to
	// 8 KB; a larger record fails the seal.
	SSMPrefix string `mapstructure:"ssm_prefix" required:"false"`
	// A directory on the machine running Packer to write each record to, as
	// `directory/REGION/AMI_ID.intoto.json`.
	Directory string `mapstructure:"directory" required:"false"`
	// The Packer template files whose sha256 the record carries: paths or
	// glob patterns, each of which must match a file, such as
	// `["${path.root}/build.pkr.hcl"]`. Default: the `*.pkr.hcl` and
	// `*.pkr.json` files of the directory Packer runs in (Packer does not tell
	// post-processors which files it read).
	TemplateFiles []string `mapstructure:"template_files" required:"false"`
	// Template variables to record, by name: `{ family = var.family }`. A
	// variable declared `sensitive` is recorded as `<redacted>`; its value is
	// scrubbed from the whole record and the plugin's log, and refused in
	// `tags` and `snapshot_tags`.
	Variables map[string]string `mapstructure:"variables" required:"false"`
	// A golden-harden JSON report to record, instead of the one golden-harden
	// left for this build in `rendezvous_dir`.
	HardenReport string `mapstructure:"harden_report" required:"false"`
	// Where golden-harden leaves its report for golden-seal: the same as its
	// `rendezvous_dir`. Default: `packer-golden-harden` in the system's
	// temporary directory.
	RendezvousDir string `mapstructure:"rendezvous_dir" required:"false"`
	// Fail the seal before anything is copied when there is no hardening
	// report. Default `false`: the record then says `not-hardened`.
	RequireHardening bool `mapstructure:"require_hardening" required:"false"`

	localSigner *kmssign.Signer // signing_key_file, loaded
	templates   []string        // template_files, expanded to absolute paths
	pointerTags int             // how many tags the pointer to a record may take
}

// longRegion stands in for regions not known before the run, as long as the
// longest AWS region names, so that checks of lengths hold for every region.
const longRegion = "ap-southeast-5"

// placeholderAMI stands in for AMI ids, which all have this length.
const placeholderAMI = "ami-00000000000000000"

// prepare checks the block; sensitive are the names of the template's
// sensitive variables.
func (p *ProvenanceConfig) prepare(bucketRegion string, sensitive []string) []error {
	var errs []error
	switch {
	case p.KMSKeyID != "" && p.SigningKeyFile != "":
		errs = append(errs, errors.New("provenance: kms_key_id and signing_key_file both set: sign with one key"))
	case p.KMSKeyID != "":
		if _, err := kmssign.ParseReference(p.KMSKeyID); err != nil {
			errs = append(errs, fmt.Errorf("provenance: kms_key_id: %w", err))
		}
	case p.SigningKeyFile != "":
		errs = append(errs, p.loadSigningKey()...)
	default:
		errs = append(errs, errors.New("provenance: no signing key: set kms_key_id (a SIGN_VERIFY ECC_NIST_P256 KMS key) or signing_key_file (a PEM private key)"))
	}
	errs = append(errs, p.prepareStores(bucketRegion)...)
	errs = append(errs, p.prepareTemplates()...)
	if p.RendezvousDir == "" {
		p.RendezvousDir = hardening.DefaultRendezvousDir()
	}
	// The values of sensitive variables stay out of this plugin's log, as out of Packer's.
	packersdk.LogSecretFilter.Set(p.sensitiveValues(sensitive)...)
	return errs
}

func (p *ProvenanceConfig) loadSigningKey() []error {
	b, err := os.ReadFile(p.SigningKeyFile)
	if err != nil {
		return []error{fmt.Errorf("provenance: signing_key_file: %w", err)}
	}
	if p.localSigner, err = kmssign.LoadPrivateKeyPEM(b); err != nil {
		return []error{fmt.Errorf("provenance: signing_key_file %s: %w", p.SigningKeyFile, err)}
	}
	return nil
}

// prepareStores checks the stores' settings and that the pointer to a
// record fits the tags of an AMI in any region.
func (p *ProvenanceConfig) prepareStores(bucketRegion string) []error {
	var errs []error
	if p.S3Bucket == "" && (p.S3Prefix != "" || p.S3KMSKeyID != "" || p.S3Region != "") {
		errs = append(errs, errors.New("provenance: s3_prefix, s3_region or s3_kms_key_id set without s3_bucket: name the bucket"))
	}
	if p.S3Region != "" && !awsconfig.ValidRegion(p.S3Region) {
		errs = append(errs, fmt.Errorf("provenance: s3_region: %q is not a region name: use names such as eu-west-1", p.S3Region))
	}
	if p.S3KMSKeyID != "" {
		if _, err := kmsref.Parse(p.S3KMSKeyID); err != nil {
			errs = append(errs, fmt.Errorf("provenance: s3_kms_key_id: %w", err))
		}
	}
	if p.Directory != "" {
		abs, err := filepath.Abs(p.Directory)
		if err != nil {
			errs = append(errs, fmt.Errorf("provenance: directory: %w", err))
		}
		p.Directory = abs
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			errs = append(errs, fmt.Errorf("provenance: directory %s is a file: name a directory (it is created when missing)", abs))
		}
	}
	locs := p.locations(cmp.Or(p.S3Region, bucketRegion, longRegion), longRegion, longRegion, placeholderAMI)
	if len(locs) == 0 {
		return append(errs, errors.New("provenance: no store: set s3_bucket, ssm_prefix or directory (any combination)"))
	}
	for _, l := range locs {
		if err := l.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("provenance: %s: %w", storeField(l.Kind), err))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	tags, err := attestore.Pointer{Locations: locs, SHA256: strings.Repeat("0", 64)}.Tags()
	if err != nil {
		return []error{fmt.Errorf("provenance: %w", err)}
	}
	p.pointerTags = len(tags)
	return nil
}

// locations are where the record of imageID in region goes, in the order
// the pointer lists them: S3, SSM (in the image's region), the directory.
func (p *ProvenanceConfig) locations(bucketRegion, ssmRegion, region, imageID string) []attestore.Location {
	var locs []attestore.Location
	if p.S3Bucket != "" {
		locs = append(locs, attestore.S3Location(bucketRegion, p.S3Bucket, p.S3Prefix, region, imageID))
	}
	if p.SSMPrefix != "" {
		locs = append(locs, attestore.SSMLocation(ssmRegion, p.SSMPrefix, region, imageID))
	}
	if p.Directory != "" {
		locs = append(locs, attestore.FileLocation(p.Directory, region, imageID))
	}
	return locs
}

func storeField(k attestore.Kind) string {
	switch k {
	case attestore.S3:
		return "s3_bucket and s3_prefix"
	case attestore.SSM:
		return "ssm_prefix"
	}
	return "directory"
}

// defaultTemplates are the template files recorded when template_files is not set.
var defaultTemplates = []string{"*.pkr.hcl", "*.pkr.json"}

// prepareTemplates expands template_files, each of which must match a file.
func (p *ProvenanceConfig) prepareTemplates() []error {
	patterns, explicit := p.TemplateFiles, len(p.TemplateFiles) > 0
	if !explicit {
		patterns = defaultTemplates
	}
	var errs []error
	p.templates = nil
	for _, pat := range patterns {
		matches, err := filepath.Glob(pat)
		if err != nil {
			errs = append(errs, fmt.Errorf("provenance: template_files: %q: %w", pat, err))
			continue
		}
		var files []string
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
				abs, err := filepath.Abs(m)
				if err != nil {
					errs = append(errs, fmt.Errorf("provenance: template_files: %w", err))
					continue
				}
				files = append(files, abs)
			}
		}
		if explicit && len(files) == 0 {
			errs = append(errs, fmt.Errorf("provenance: template_files: %q matches no file: give paths relative to where packer runs, or use path.root", pat))
		}
		p.templates = append(p.templates, files...)
	}
	p.templates = slices.Compact(slices.Sorted(slices.Values(p.templates)))
	return errs
}

// sensitiveValues are the values of the sensitive variables among Variables, sorted.
func (p *ProvenanceConfig) sensitiveValues(sensitive []string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(p.Variables)) {
		if v := p.Variables[name]; v != "" && slices.Contains(sensitive, name) {
			out = append(out, v)
		}
	}
	return out
}
