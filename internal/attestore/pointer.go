package attestore

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The tags that lead from an AMI to its provenance envelope.
const (
	// TagLocation holds the envelope's locations, space-separated; when
	// longer than a tag value allows, it continues in TagLocation-2, -3, -4.
	TagLocation = "golden:provenance"
	// TagSHA256 holds the lowercase hex sha256 of the envelope's bytes.
	TagSHA256 = "golden:provenance-sha256"
)

const (
	maxTagValue  = 256 // AWS tag value limit, in Unicode characters
	maxLocations = 4   // location tags: 1 KiB of locations in all
)

// ErrNoPointer says an AMI carries no provenance pointer tags.
var ErrNoPointer = errors.New("no " + TagLocation + " tag")

// Tag is one AWS tag.
type Tag struct{ Key, Value string }

// Pointer is what an AMI's tags say about its envelope.
type Pointer struct {
	Locations []Location // in the order to try them
	SHA256    string     // of the envelope's bytes
}

// Tags are the pointer tags, sorted by key.
func (p Pointer) Tags() ([]Tag, error) {
	if err := checkSHA256(p.SHA256); err != nil {
		return nil, err
	}
	if len(p.Locations) == 0 {
		return nil, errors.New("provenance pointer without a location")
	}
	var uris []string
	for _, l := range p.Locations {
		if err := l.Validate(); err != nil {
			return nil, err
		}
		uris = append(uris, l.String())
	}
	value := strings.Join(uris, " ")
	if len(value) > maxTagValue*maxLocations {
		return nil, fmt.Errorf("provenance locations take %d characters, more than the %d that %d tags hold: shorten s3_prefix or ssm_prefix",
			len(value), maxTagValue*maxLocations, maxLocations)
	}
	tags := []Tag{}
	for i := 0; len(value) > 0; i++ {
		n := min(len(value), maxTagValue)
		tags = append(tags, Tag{Key: locationKey(i), Value: value[:n]})
		value = value[n:]
	}
	tags = append(tags, Tag{Key: TagSHA256, Value: p.SHA256})
	return tags, nil
}

func locationKey(i int) string {
	if i == 0 {
		return TagLocation
	}
	return TagLocation + "-" + strconv.Itoa(i+1)
}

// ParsePointer reads the pointer from an AMI's tags.
func ParsePointer(tags map[string]string) (Pointer, error) {
	first, ok := tags[TagLocation]
	if !ok {
		return Pointer{}, ErrNoPointer
	}
	value := first
	for i := 1; i < maxLocations; i++ {
		part, ok := tags[locationKey(i)]
		if !ok {
			for j := i + 1; j < maxLocations; j++ {
				if _, later := tags[locationKey(j)]; later {
					return Pointer{}, fmt.Errorf("tag %s is missing but %s is there: the pointer tags were edited", locationKey(i), locationKey(j))
				}
			}
			break
		}
		value += part
	}
	p := Pointer{SHA256: tags[TagSHA256]}
	if _, ok := tags[TagSHA256]; !ok {
		return Pointer{}, fmt.Errorf("tag %s is missing (%s is there)", TagSHA256, TagLocation)
	}
	if err := checkSHA256(p.SHA256); err != nil {
		return Pointer{}, err
	}
	for _, uri := range strings.Fields(value) {
		l, err := ParseLocation(uri)
		if err != nil {
			return Pointer{}, fmt.Errorf("tag %s: %w", TagLocation, err)
		}
		p.Locations = append(p.Locations, l)
	}
	if len(p.Locations) == 0 {
		return Pointer{}, fmt.Errorf("tag %s is empty", TagLocation)
	}
	return p, nil
}

func checkSHA256(s string) error {
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 || strings.ToLower(s) != s {
		return fmt.Errorf("tag %s is %q, not a lowercase hex sha256", TagSHA256, s)
	}
	return nil
}
