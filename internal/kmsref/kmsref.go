// Package kmsref parses the ways a template names a KMS key: key id, key ARN,
// alias or alias ARN, as KMS accepts them wherever a KeyId goes.
package kmsref

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// Kind is the form a KMS key reference takes.
type Kind int

// The forms KMS accepts wherever a KeyId goes.
const (
	KeyID    Kind = iota + 1 // 1234abcd-12ab-34cd-56ef-1234567890ab or mrk-…
	KeyARN                   // arn:aws:kms:REGION:ACCOUNT:key/ID
	Alias                    // alias/NAME
	AliasARN                 // arn:aws:kms:REGION:ACCOUNT:alias/NAME
)

func (k Kind) String() string {
	switch k {
	case KeyID:
		return "key id"
	case KeyARN:
		return "key ARN"
	case Alias:
		return "alias"
	case AliasARN:
		return "alias ARN"
	}
	return "unknown"
}

// Reference is a parsed KMS key reference.
type Reference struct {
	Kind        Kind
	ID          string // as given: what KMS calls take as KeyId
	MultiRegion bool   // an mrk- key
	Partition   string // from an ARN
	Region      string // from an ARN: KMS calls must go to this region
	Account     string // from an ARN
	Name        string // the key id or alias/NAME, without an ARN's prefix
}

// IsAlias says whether the reference names an alias (or an alias ARN).
func (r Reference) IsAlias() bool { return r.Kind == Alias || r.Kind == AliasARN }

// AWSManaged says whether the reference is the alias of an AWS managed key
// (alias/aws/…): symmetric keys of this account that cannot be shared or sign.
func (r Reference) AWSManaged() bool { return strings.HasPrefix(r.Name, "alias/aws/") }

const (
	uuid      = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	mrk       = `mrk-[0-9a-f]{32}`
	aliasName = `alias/[a-zA-Z0-9/_-]+` // at most maxAlias long: a {1,250} here costs every plugin start 2 ms to compile
	maxAlias  = 256                     // "alias/" and the name
	arnPrefix = `^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f):kms:([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):([0-9]{12}):`
)

var (
	keyIDRE    = regexp.MustCompile(`^(?:` + uuid + `|` + mrk + `)$`)
	keyARNRE   = regexp.MustCompile(arnPrefix + `key/(` + uuid + `|` + mrk + `)$`)
	aliasRE    = regexp.MustCompile(`^` + aliasName + `$`)
	aliasARNRE = regexp.MustCompile(arnPrefix + `(` + aliasName + `)$`)
)

// Parse parses a KMS key id, key ARN, alias or alias ARN, including
// multi-region (mrk-) keys.
func Parse(ref string) (Reference, error) {
	r := Reference{ID: ref}
	switch {
	case keyIDRE.MatchString(ref):
		r.Kind, r.Name = KeyID, ref
	case aliasRE.MatchString(ref):
		r.Kind, r.Name = Alias, ref
	default:
		if m := keyARNRE.FindStringSubmatch(ref); m != nil {
			r.Kind, r.Partition, r.Region, r.Account, r.Name = KeyARN, m[1], m[2], m[3], m[4]
		} else if m := aliasARNRE.FindStringSubmatch(ref); m != nil {
			r.Kind, r.Partition, r.Region, r.Account, r.Name = AliasARN, m[1], m[2], m[3], m[4]
		} else {
			return Reference{}, fmt.Errorf("%q is not a KMS key id, key ARN, alias/NAME or alias ARN", ref)
		}
	}
	if r.IsAlias() && len(r.Name) > maxAlias {
		return Reference{}, fmt.Errorf("kms key %q: alias %s… is %d characters long; KMS allows at most %d", ref, r.Name[:20], len(r.Name), maxAlias)
	}
	if r.Partition != "" && r.Partition != provenance.Partition(r.Region) {
		return Reference{}, fmt.Errorf("kms key %q: region %s is not in partition %s", ref, r.Region, r.Partition)
	}
	r.MultiRegion = strings.HasPrefix(r.Name, "mrk-")
	return r, nil
}
