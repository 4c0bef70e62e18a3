package kmssign

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// RefKind is the form a KMS key reference takes.
type RefKind int

// The forms KMS accepts wherever a KeyId goes.
const (
	KeyID    RefKind = iota + 1 // 1234abcd-12ab-34cd-56ef-1234567890ab or mrk-…
	KeyARN                      // arn:aws:kms:REGION:ACCOUNT:key/ID
	Alias                       // alias/NAME
	AliasARN                    // arn:aws:kms:REGION:ACCOUNT:alias/NAME
)

func (k RefKind) String() string {
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
	Kind        RefKind
	ID          string // as given: what KMS calls take as KeyId
	MultiRegion bool   // an mrk- key
	Partition   string // from an ARN
	Region      string // from an ARN: KMS calls must go to this region
	Account     string // from an ARN
}

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

// ParseReference parses a KMS key id, key ARN, alias or alias ARN, including
// multi-region (mrk-) keys. Aliases of AWS managed keys (alias/aws/…) are
// refused: those keys are symmetric and cannot sign.
func ParseReference(ref string) (Reference, error) {
	r := Reference{ID: ref}
	var name string
	switch {
	case keyIDRE.MatchString(ref):
		r.Kind, name = KeyID, ref
	case aliasRE.MatchString(ref):
		r.Kind, name = Alias, ref
	default:
		if m := keyARNRE.FindStringSubmatch(ref); m != nil {
			r.Kind, r.Partition, r.Region, r.Account, name = KeyARN, m[1], m[2], m[3], m[4]
		} else if m := aliasARNRE.FindStringSubmatch(ref); m != nil {
			r.Kind, r.Partition, r.Region, r.Account, name = AliasARN, m[1], m[2], m[3], m[4]
		} else {
			return Reference{}, fmt.Errorf("kms key %q is not a key id, key ARN, alias (alias/NAME) or alias ARN", ref)
		}
	}
	if (r.Kind == Alias || r.Kind == AliasARN) && len(name) > maxAlias {
		return Reference{}, fmt.Errorf("kms key %q: alias %s… is %d characters long; KMS allows at most %d", ref, name[:20], len(name), maxAlias)
	}
	if r.Partition != "" && r.Partition != provenance.Partition(r.Region) {
		return Reference{}, fmt.Errorf("kms key %q: region %s is not in partition %s", ref, r.Region, r.Partition)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return Reference{}, fmt.Errorf("kms key %q is an AWS managed key, which is symmetric and cannot sign: "+
			"create a customer managed key with KeyUsage SIGN_VERIFY and KeySpec ECC_NIST_P256", ref)
	}
	r.MultiRegion = strings.HasPrefix(name, "mrk-")
	return r, nil
}
