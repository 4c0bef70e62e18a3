package family

import (
	"cmp"
	"fmt"
	"time"
)

// Image is what the caller knows of one AMI from DescribeImages and
// DescribeSnapshots.
type Image struct {
	Region       string
	ID           string
	Name         string
	OwnerID      string
	State        string    // available, pending, failed, ...
	Created      time.Time // zero when unknown
	DeprecatedAt time.Time // zero when no deprecation time is set
	Tags         map[string]string
	Devices      []Device // EBS devices, in block device order
}

// Device is one EBS block device of an image.
type Device struct {
	Name       string
	SnapshotID string
	Encrypted  bool
	KMSKeyARN  string // the snapshot's key; "" when the snapshot is not visible to the caller
}

// SnapshotIDs returns the ids of the image's snapshots.
func (i Image) SnapshotIDs() []string {
	ids := make([]string, 0, len(i.Devices))
	for _, d := range i.Devices {
		if d.SnapshotID != "" {
			ids = append(ids, d.SnapshotID)
		}
	}
	return ids
}

// Deprecated reports whether the image is deprecated at now.
func (i Image) Deprecated(now time.Time) bool {
	return !i.DeprecatedAt.IsZero() && !i.DeprecatedAt.After(now)
}

// String names the image for messages: id, name and creation time.
func (i Image) String() string {
	created := "creation date unknown"
	if !i.Created.IsZero() {
		created = "created " + i.Created.UTC().Format(time.RFC3339)
	}
	if i.Name == "" {
		return fmt.Sprintf("%s (%s)", i.ID, created)
	}
	return fmt.Sprintf("%s (%s, %s)", i.ID, i.Name, created)
}

// newestFirst orders images by creation time, newest first, unknown last,
// then by id, so that every run sees the same order.
func newestFirst(a, b Image) int {
	switch {
	case a.Created.IsZero() != b.Created.IsZero():
		if a.Created.IsZero() {
			return 1
		}
		return -1
	case !a.Created.Equal(b.Created):
		return b.Created.Compare(a.Created)
	}
	return cmp.Compare(a.ID, b.ID)
}

// ordinal writes n as 1st, 2nd, 3rd, 4th...
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
