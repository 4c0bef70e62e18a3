package awsconfig

import (
	"regexp"
	"slices"
)

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// OwnerAliases are the owners DescribeImages knows by name besides account
// ids: "self" (the caller's account) and the owner aliases AWS gives images
// (ImageOwnerAlias).
var OwnerAliases = []string{"self", "amazon", "aws-backup-vault", "aws-marketplace"}

// ValidOwner reports whether s names an image owner as DescribeImages
// takes it: a 12-digit account id or one of OwnerAliases.
func ValidOwner(s string) bool {
	return accountPattern.MatchString(s) || slices.Contains(OwnerAliases, s)
}
