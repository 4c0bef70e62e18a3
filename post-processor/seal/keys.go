package seal

import (
	"fmt"
	"maps"
	"slices"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
)

// isAWSManagedAlias says whether key names an AWS managed key by its alias.
func isAWSManagedAlias(key string) bool {
	r, err := kmsref.Parse(key)
	return err == nil && r.AWSManaged()
}

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
		if _, err := kmsref.Parse(c.KMSKeyID); err != nil {
			errs = append(errs, fmt.Errorf("kms_key_id: %w", err))
		}
	}
	for _, r := range slices.Sorted(maps.Keys(c.RegionKMSKeyIDs)) {
		field := fmt.Sprintf("region_kms_key_ids[%q]", r)
		if !awsconfig.ValidRegion(r) {
			errs = append(errs, fmt.Errorf("%s: %q is not a region name: use names such as eu-west-1", field, r))
			continue
		}
		ref, err := kmsref.Parse(c.RegionKMSKeyIDs[r])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
			continue
		}
		if ref.Region != "" && ref.Region != r {
			errs = append(errs, fmt.Errorf("%s: key %s is in %s: EBS encrypts with a key of the copy's region: name a key in %s", field, ref.ID, ref.Region, r))
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
	ref, err := kmsref.Parse(c.keyFor(region))
	if err == nil && ref.Region != "" && ref.Region != region {
		return fmt.Errorf("%s: key %s is in %s, not %s: set region_kms_key_ids[%q] to a key in %s", c.keyField(region), ref.ID, ref.Region, region, region, region)
	}
	return nil
}
