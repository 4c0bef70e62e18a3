// Package family owns what the golden images of one family share across
// builds: the tag that names the family, how a consumer picks the newest
// image of it that meets every requirement (Pick), and which of its images
// a retention policy keeps, deprecates or removes (Plan). It is pure: the
// facts come from the caller, which talks to AWS.
package family

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Tags golden-seal writes on each image it seals, on create, so that they are
// also in the image's signed provenance record.
const (
	// Tag names the family an image belongs to (golden-seal's `family`);
	// the golden-ami data source selects by it; retention touches no image
	// without it.
	Tag = "golden:family"
	// TagSourceAMI is the AMI the build started from (the builder's source AMI).
	TagSourceAMI = "golden:source-ami"
	// TagSourceOwner is the account that owns TagSourceAMI.
	TagSourceOwner = "golden:source-ami-owner"
)

// ErrBadName is returned for a family name that cannot be a tag value.
var ErrBadName = errors.New("not a family name")

// CheckName checks that name can be the value of Tag: what AWS allows in a
// tag value, 1 to 256 letters, digits, spaces and _ . : / = + - @ (a loop,
// not a regexp: compiling one with Unicode classes took 9 ms of every plugin
// start).
func CheckName(name string) error {
	n := 0
	for _, r := range name {
		n++
		if n > 256 || !nameRune(r) {
			return fmt.Errorf("%w: %q: use 1 to 256 letters, digits, spaces and _ . : / = + - @", ErrBadName, name)
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: empty: use 1 to 256 letters, digits, spaces and _ . : / = + - @", ErrBadName)
	}
	return nil
}

// nameRune says whether r may stand in a tag value (invalid UTF-8 reads as
// U+FFFD, which may not).
func nameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.In(r, unicode.Z) || strings.ContainsRune("_.:/=+-@", r)
}
