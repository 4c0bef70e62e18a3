// Package attestore stores provenance envelopes (S3 objects, SSM parameters,
// files), names where each lives with a location URI, and writes and reads
// the pointer tags that lead from an AMI to its envelope.
package attestore

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Kind is where an envelope is stored.
type Kind string

// The kinds of location, named by their URI scheme.
const (
	S3   Kind = "s3"   // s3://BUCKET/KEY?region=REGION
	SSM  Kind = "ssm"  // ssm:///PARAMETER/NAME?region=REGION
	File Kind = "file" // file:///ABSOLUTE/PATH
)

// Location is where one envelope is stored.
type Location struct {
	Kind   Kind
	Region string // S3 and SSM: the region to ask
	Bucket string // S3
	Name   string // S3 object key, SSM parameter name (starting with /), or absolute file path
}

var (
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	bucketRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	ssmNameRE  = regexp.MustCompile(`^(/[a-zA-Z0-9_.-]+)+$`)
	maxSSMName = 1011
)

// String is the location's URI, as the pointer tag carries it.
func (l Location) String() string {
	u := url.URL{Scheme: string(l.Kind), Path: l.Name}
	switch l.Kind {
	case S3:
		u.Host, u.Path = l.Bucket, "/"+l.Name
	case File:
		u.Path = filepath.ToSlash(l.Name)
	}
	if l.Region != "" {
		u.RawQuery = url.Values{"region": {l.Region}}.Encode()
	}
	return u.String()
}

// ParseLocation parses a location URI and checks it names something that can exist.
func ParseLocation(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("provenance location %q: %w", s, err)
	}
	if u.Opaque != "" {
		return Location{}, fmt.Errorf("provenance location %q: write %s://… or %s:///…", s, u.Scheme, u.Scheme)
	}
	if u.User != nil || u.Fragment != "" || u.Port() != "" {
		return Location{}, fmt.Errorf("provenance location %q: unexpected user, port or fragment", s)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Location{}, fmt.Errorf("provenance location %q: %w", s, err)
	}
	l := Location{Kind: Kind(u.Scheme), Region: q.Get("region")}
	delete(q, "region")
	if len(q) > 0 || len(u.Query()["region"]) > 1 {
		return Location{}, fmt.Errorf("provenance location %q: only one query parameter, region, is known", s)
	}
	switch l.Kind {
	case S3:
		l.Bucket, l.Name = u.Host, strings.TrimPrefix(u.Path, "/")
	case SSM, File:
		if u.Host != "" {
			return Location{}, fmt.Errorf("provenance location %q: %s:// takes no host: write %s:///…", s, l.Kind, l.Kind)
		}
		l.Name = u.Path
	default:
		return Location{}, fmt.Errorf("provenance location %q: scheme must be s3, ssm or file", s)
	}
	if err := l.Validate(); err != nil {
		return Location{}, fmt.Errorf("provenance location %q: %w", s, err)
	}
	return l, nil
}

// Validate checks the parts of a location.
func (l Location) Validate() error {
	switch l.Kind {
	case S3:
		if !bucketRE.MatchString(l.Bucket) || strings.Contains(l.Bucket, "..") {
			return fmt.Errorf("%q is not an S3 bucket name", l.Bucket)
		}
		if l.Name == "" || len(l.Name) > 1024 || !utf8.ValidString(l.Name) {
			return fmt.Errorf("S3 key %q is empty, longer than 1024 bytes or not UTF-8", l.Name)
		}
		return checkRegion(l)
	case SSM:
		if !ssmNameRE.MatchString(l.Name) || len(l.Name) > maxSSMName || strings.Count(l.Name, "/") > 15 {
			return fmt.Errorf("%q is not an SSM parameter name: /a/b… of letters, digits, _ . -, at most 15 levels and %d characters", l.Name, maxSSMName)
		}
		if lower := strings.ToLower(l.Name); strings.HasPrefix(lower, "/aws") || strings.HasPrefix(lower, "/ssm") {
			return fmt.Errorf("SSM parameter names under /aws and /ssm are reserved: %q", l.Name)
		}
		return checkRegion(l)
	case File:
		if !path.IsAbs(l.Name) || path.Clean(l.Name) != l.Name || !utf8.ValidString(l.Name) {
			return fmt.Errorf("file location %q is not a clean absolute path", l.Name)
		}
		if l.Region != "" {
			return fmt.Errorf("a file location has no region")
		}
		return nil
	}
	return fmt.Errorf("unknown location kind %q", l.Kind)
}

func checkRegion(l Location) error {
	if !regionRE.MatchString(l.Region) {
		return fmt.Errorf("%s location needs ?region=REGION, got %q", l.Kind, l.Region)
	}
	return nil
}
