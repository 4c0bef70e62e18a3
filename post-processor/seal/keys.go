package seal

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
)

// keyRef is a KMS key as a template names it.
type keyRef struct {
	raw    string
	region string // the region an ARN names; "" for ids and aliases
	alias  bool
}

var (
	keyIDPattern    = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	aliasPattern    = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)
	keyARNPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:(key/.+|alias/.+)$`)
	awsManagedAlias = regexp.MustCompile(`(^|:)alias/aws/`)
)

// parseKeyRef checks the form of a key id, key ARN, alias or alias ARN.
func parseKeyRef(s string) (keyRef, error) {
	if m := keyARNPattern.FindStringSubmatch(s); m != nil {
		rest := m[2]
		alias := strings.HasPrefix(rest, "alias/")
		if (alias && !aliasPattern.MatchString(rest)) || (!alias && !keyIDPattern.MatchString(strings.TrimPrefix(rest, "key/"))) || !awsconfig.ValidRegion(m[1]) {
			return keyRef{}, fmt.Errorf("%q is not a KMS key or alias ARN", s)
		}
		return keyRef{raw: s, region: m[1], alias: alias}, nil
	}
	switch {
	case keyIDPattern.MatchString(s):
		return keyRef{raw: s}, nil
	case aliasPattern.MatchString(s):
		return keyRef{raw: s, alias: true}, nil
	}
	return keyRef{}, fmt.Errorf("%q is not a KMS key id, key ARN, alias/NAME or alias ARN", s)
}

func isAWSManagedAlias(key string) bool { return awsManagedAlias.MatchString(key) }

// keyFor returns the key reference that encrypts the copy in region.
func (c *Config) keyFor(region string) string {
	if k, ok := c.RegionKMSKeyIDs[region]; ok {
		return k
	}
	if c.KMSKeyID != "" {
		return c.KMSKeyID
	}
	return defaultKey
}

// keyField names the setting that gives region its key, for messages.
func (c *Config) keyField(region string) string {
	if _, ok := c.RegionKMSKeyIDs[region]; ok {
		return fmt.Sprintf("region_kms_key_ids[%q]", region)
	}
	if c.KMSKeyID != "" {
		return "kms_key_id"
	}
	return "kms_key_id (not set, so " + defaultKey + ")"
}

func (c *Config) prepareKeys() []error {
	var errs []error
	if c.KMSKeyID != "" {
		if _, err := parseKeyRef(c.KMSKeyID); err != nil {
			errs = append(errs, fmt.Errorf("kms_key_id: %w", err))
		}
	}
	for _, r := range slices.Sorted(maps.Keys(c.RegionKMSKeyIDs)) {
		field := fmt.Sprintf("region_kms_key_ids[%q]", r)
		if !awsconfig.ValidRegion(r) {
			errs = append(errs, fmt.Errorf("%s: %q is not a region name: use names such as eu-west-1", field, r))
			continue
		}
		ref, err := parseKeyRef(c.RegionKMSKeyIDs[r])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
			continue
		}
		if ref.region != "" && ref.region != r {
			errs = append(errs, fmt.Errorf("%s: key %s is in %s: EBS encrypts with a key of the copy's region: name a key in %s", field, ref.raw, ref.region, r))
		}
	}
	for _, r := range c.Regions { // the targets known before the artifact
		if err := c.checkKeyRegion(r); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// checkKeyRegion checks that region has a key, and that kms_key_id, when it
// is the region's key and an ARN, names a key there (prepareKeys checks the
// entries of region_kms_key_ids).
func (c *Config) checkKeyRegion(region string) error {
	if _, ok := c.RegionKMSKeyIDs[region]; ok {
		return nil
	}
	if c.KMSKeyID == "" && len(c.RegionKMSKeyIDs) > 0 {
		return fmt.Errorf("region_kms_key_ids has no key for %s: add region_kms_key_ids[%q] or set kms_key_id for the regions without an entry", region, region)
	}
	ref, err := parseKeyRef(c.keyFor(region))
	if err == nil && ref.region != "" && ref.region != region {
		return fmt.Errorf("%s: key %s is in %s, not %s: set region_kms_key_ids[%q] to a key in %s", c.keyField(region), ref.raw, ref.region, region, region, region)
	}
	return nil
}
