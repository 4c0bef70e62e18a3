package family

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrBadFilter is returned for an image filter EC2 would refuse.
var ErrBadFilter = errors.New("not an image filter")

// Filter is one DescribeImages filter.
type Filter struct {
	Name   string
	Values []string
}

// imageFilters are the filter names DescribeImages documents, besides tag:KEY.
var imageFilters = []string{
	"architecture", "block-device-mapping.delete-on-termination", "block-device-mapping.device-name",
	"block-device-mapping.encrypted", "block-device-mapping.snapshot-id", "block-device-mapping.volume-size",
	"block-device-mapping.volume-type", "creation-date", "description", "ena-support", "free-tier-eligible",
	"hypervisor", "image-allowed", "image-id", "image-type", "is-public", "kernel-id", "manifest-location",
	"name", "owner-alias", "owner-id", "platform", "platform-details", "product-code", "product-code.type",
	"ramdisk-id", "root-device-name", "root-device-type", "source-image-id", "source-instance-id",
	"sriov-net-support", "state", "state-reason-code", "state-reason-message", "tag-key", "usage-operation",
	"virtualization-type",
}

// ParseFilters checks filters as a template gives them (name → value, the
// value may hold * and ? wildcards) and returns them in name order. Names
// are those DescribeImages documents, or tag:KEY.
func ParseFilters(filters map[string]string) ([]Filter, error) {
	var errs []error
	var out []Filter
	for _, name := range slices.Sorted(maps.Keys(filters)) {
		value := filters[name]
		key, isTag := strings.CutPrefix(name, "tag:")
		switch {
		case isTag && (key == "" || utf8.RuneCountInString(key) > 128):
			errs = append(errs, fmt.Errorf("%w: %q: a tag filter is tag:KEY, with a key of 1 to 128 characters", ErrBadFilter, name))
			continue
		case !isTag && !slices.Contains(imageFilters, name):
			errs = append(errs, fmt.Errorf("%w: %q is not a DescribeImages filter: use one such as name, architecture or tag:KEY", ErrBadFilter, name))
			continue
		case value == "" || !utf8.ValidString(value):
			errs = append(errs, fmt.Errorf("%w: %q has no value: give one (wildcards * and ? allowed)", ErrBadFilter, name))
			continue
		}
		out = append(out, Filter{Name: name, Values: []string{value}})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// WithFamily adds the filter on Tag for name to filters, in name order.
func WithFamily(filters []Filter, name string) []Filter {
	out := slices.DeleteFunc(slices.Clone(filters), func(f Filter) bool { return f.Name == "tag:"+Tag })
	out = append(out, Filter{Name: "tag:" + Tag, Values: []string{name}})
	slices.SortFunc(out, func(a, b Filter) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
