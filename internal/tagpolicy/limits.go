package tagpolicy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// AWS's limits on user tags of one EC2 resource.
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions
const (
	MaxTags        = 50
	MaxKeyLength   = 128 // Unicode characters
	MaxValueLength = 256 // Unicode characters
	reservedPrefix = "aws:"
)

// CheckLimits returns every way tags break AWS's limits, joined, in key
// order. The values of the keys in unknown are not known yet (templated) and
// are not checked.
func CheckLimits(tags map[string]string, unknown ...string) error {
	var errs []error
	if n := len(tags); n > MaxTags {
		errs = append(errs, fmt.Errorf("%d tags: %w: AWS allows %d per image or snapshot, including the ones this plugin adds: remove %d", n, ErrTooManyTags, MaxTags, n-MaxTags))
	}
	for _, k := range sortedKeys(tags) {
		if err := checkKey(k); err != nil {
			errs = append(errs, err)
		}
		if slices.Contains(unknown, k) {
			continue
		}
		if n := utf8.RuneCountInString(tags[k]); n > MaxValueLength {
			errs = append(errs, fmt.Errorf("tag %q: %w (%d characters): AWS allows %d: shorten it", k, ErrValueTooLong, n, MaxValueLength))
		}
	}
	return errors.Join(errs...)
}

func checkKey(k string) error {
	switch {
	case strings.TrimSpace(k) == "":
		return fmt.Errorf("tag %q: %w: give every tag a key", k, ErrEmptyKey)
	case utf8.RuneCountInString(k) > MaxKeyLength:
		return fmt.Errorf("tag %q: %w (%d characters): AWS allows %d: shorten it", k, ErrKeyTooLong, utf8.RuneCountInString(k), MaxKeyLength)
	case len(k) >= len(reservedPrefix) && strings.EqualFold(k[:len(reservedPrefix)], reservedPrefix):
		return fmt.Errorf("tag %q: %w: AWS keeps it for its own tags: rename the key", k, ErrReservedPrefix)
	}
	return nil
}
