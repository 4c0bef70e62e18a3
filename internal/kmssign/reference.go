package kmssign

import (
	"fmt"

	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
)

// ParseReference parses the reference of a key to sign or verify with, as
// kmsref.Parse does, and refuses the aliases of AWS managed keys
// (alias/aws/…): those keys are symmetric and cannot sign.
func ParseReference(ref string) (kmsref.Reference, error) {
	r, err := kmsref.Parse(ref)
	if err != nil {
		return kmsref.Reference{}, err
	}
	if r.AWSManaged() {
		return kmsref.Reference{}, fmt.Errorf("kms key %q is an AWS managed key, which is symmetric and cannot sign: "+
			"create a customer managed key with KeyUsage SIGN_VERIFY and KeySpec ECC_NIST_P256", ref)
	}
	return r, nil
}
