// Package tagpolicy checks AMI and snapshot tags against an organisation's tag
// policy and AWS's tag limits, and merges tag sets in a stable order. It is
// pure: no Packer or AWS SDK.
package tagpolicy

import "errors"

// Errors in a policy. Each error returned wraps one of these with the field and the fix.
var (
	ErrSyntax        = errors.New("tag policy syntax error")
	ErrInvalidPolicy = errors.New("invalid tag policy")
	ErrBadPattern    = errors.New("invalid tag policy pattern")
	ErrConflict      = errors.New("conflicting tag policy rules")
)

// Violations of a policy or of AWS's limits by a set of tags.
var (
	ErrRequired        = errors.New("required by the tag policy")
	ErrNotAllowed      = errors.New("value not allowed by the tag policy")
	ErrPatternMismatch = errors.New("value does not match the tag policy pattern")
	ErrForbidden       = errors.New("forbidden by the tag policy")
	ErrTooManyTags     = errors.New("too many tags")
	ErrEmptyKey        = errors.New("empty tag key")
	ErrKeyTooLong      = errors.New("tag key too long")
	ErrValueTooLong    = errors.New("tag value too long")
	ErrReservedPrefix  = errors.New("tag key uses the reserved aws: prefix")
)
