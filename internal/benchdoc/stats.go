package benchdoc

import "slices"

// number is what the statistics here take: counts, durations, rates.
type number interface {
	~int | ~int64 | ~float64
}

// Median is the middle value (the mean of the two middle ones for an even
// count); zero for none.
func Median[T number](xs []T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// span returns the least and the greatest value; zeros for none.
func span[T number](xs []T) (lo, hi T) {
	if len(xs) == 0 {
		return lo, hi
	}
	return slices.Min(xs), slices.Max(xs)
}
