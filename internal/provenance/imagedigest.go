package provenance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Image is what DescribeImages reports about an AMI, as far as its digest goes.
type Image struct {
	Region       string
	ImageID      string
	OwnerID      string
	Name         string
	BlockDevices []BlockDevice // EBS mappings only
}

// BlockDevice is one EBS block device mapping of an AMI.
type BlockDevice struct {
	DeviceName string
	SnapshotID string
	Encrypted  bool
}

var (
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	imageIDRE  = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)
	ownerIDRE  = regexp.MustCompile(`^[0-9]{12}$`)
	snapshotRE = regexp.MustCompile(`^snap-[0-9a-f]{8,17}$`)
)

// ImageDigest is the subject digest of an AMI (ImageDigestType): the lowercase
// hex sha256 of the JCS (RFC 8785) JSON of
//
//	{"blockDevices":[{"deviceName","encrypted","snapshotId"}, … sorted by deviceName],
//	 "imageId","name","ownerId","region","type": ImageDigestType}
//
// Every field comes from DescribeImages and none can change while the AMI
// exists, so anyone who can describe the AMI can recompute it.
func ImageDigest(img Image) (string, error) {
	b, err := CanonicalImage(img)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// CanonicalImage is the JSON that ImageDigest hashes, in RFC 8785 (JCS)
// form: keys in lexicographic order at every level, no spaces; strings
// escape only " and \, which is all JCS escapes in the text validateImage
// admits (encoding/json writes the same bytes; a fuzz test checks it).
func CanonicalImage(img Image) ([]byte, error) {
	if err := validateImage(img); err != nil {
		return nil, err
	}
	devices := slices.SortedFunc(slices.Values(img.BlockDevices), func(a, b BlockDevice) int { return strings.Compare(a.DeviceName, b.DeviceName) })
	b := make([]byte, 0, 256+100*len(devices))
	b = append(b, `{"blockDevices":[`...)
	for i, d := range devices {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"deviceName":`...), d.DeviceName)
		b = strconv.AppendBool(append(b, `,"encrypted":`...), d.Encrypted)
		b = appendJSONString(append(b, `,"snapshotId":`...), d.SnapshotID)
		b = append(b, '}')
	}
	b = appendJSONString(append(b, `],"imageId":`...), img.ImageID)
	b = appendJSONString(append(b, `,"name":`...), img.Name)
	b = appendJSONString(append(b, `,"ownerId":`...), img.OwnerID)
	b = appendJSONString(append(b, `,"region":`...), img.Region)
	b = appendJSONString(append(b, `,"type":`...), ImageDigestType)
	return append(b, '}'), nil
}

// appendJSONString appends s quoted, escaping " and \: enough for text
// that plainText admits.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func validateImage(img Image) error {
	switch {
	case !regionRE.MatchString(img.Region):
		return fmt.Errorf("image digest: region %q is not an AWS region name", img.Region)
	case !imageIDRE.MatchString(img.ImageID):
		return fmt.Errorf("image digest: %q is not an AMI id (ami-…)", img.ImageID)
	case !ownerIDRE.MatchString(img.OwnerID):
		return fmt.Errorf("image digest: owner of %s is %q, not a 12-digit account id", img.ImageID, img.OwnerID)
	case !plainText(img.Name):
		return fmt.Errorf("image digest: name of %s is empty or holds control or non-UTF-8 characters", img.ImageID)
	case len(img.BlockDevices) == 0:
		return fmt.Errorf("image digest: %s has no EBS block device: only EBS-backed AMIs have a digest", img.ImageID)
	}
	seen := make(map[string]bool, len(img.BlockDevices))
	for _, d := range img.BlockDevices {
		switch {
		case !plainText(d.DeviceName):
			return fmt.Errorf("image digest: %s has a device name that is empty or holds control characters", img.ImageID)
		case seen[d.DeviceName]:
			return fmt.Errorf("image digest: %s maps device %s twice", img.ImageID, d.DeviceName)
		case !snapshotRE.MatchString(d.SnapshotID):
			return fmt.Errorf("image digest: %s device %s has snapshot id %q, not snap-…", img.ImageID, d.DeviceName, d.SnapshotID)
		}
		seen[d.DeviceName] = true
	}
	return nil
}

// plainText admits the strings that encoding/json and RFC 8785 write alike:
// valid UTF-8 without control characters or the line/paragraph separators.
func plainText(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// ImageARN is the subject name of an AMI: arn:PARTITION:ec2:REGION::image/ID.
func ImageARN(region, imageID string) (string, error) {
	if !regionRE.MatchString(region) {
		return "", fmt.Errorf("region %q is not an AWS region name", region)
	}
	if !imageIDRE.MatchString(imageID) {
		return "", fmt.Errorf("%q is not an AMI id (ami-…)", imageID)
	}
	return "arn:" + Partition(region) + ":ec2:" + region + "::image/" + imageID, nil
}

var imageARNRE = regexp.MustCompile(`^arn:(aws[a-z-]*):ec2:([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})::image/(ami-[0-9a-f]{8,17})$`)

// ParseImageARN returns the region and AMI id of an AMI ARN (as ImageARN writes it).
func ParseImageARN(arn string) (region, imageID string, ok bool) {
	m := imageARNRE.FindStringSubmatch(arn)
	if m == nil || m[1] != Partition(m[2]) {
		return "", "", false
	}
	return m[2], m[3], true
}

// Partition is the AWS partition a region belongs to.
func Partition(region string) string {
	for _, p := range []struct{ prefix, partition string }{
		{"cn-", "aws-cn"},
		{"us-gov-", "aws-us-gov"},
		{"us-isob-", "aws-iso-b"},
		{"us-isof-", "aws-iso-f"},
		{"us-iso-", "aws-iso"},
		{"eu-isoe-", "aws-iso-e"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}
