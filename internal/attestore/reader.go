package attestore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Reader fetches envelopes from their locations.
type Reader struct {
	s3   func(region string) s3GetAPI
	ssm  func(region string) ssmGetAPI
	dirs []string // file locations are read only under these
}

// NewReader reads S3 and SSM locations with the clients of their region
// (awsconfig.Session's S3 and SSM fit), and file locations only under dirs:
// a location comes from an AMI's tag, which must not make the reader open
// any file it likes.
func NewReader(s3For func(region string) *s3.Client, ssmFor func(region string) *ssm.Client, dirs ...string) (*Reader, error) {
	r := &Reader{
		s3:  func(region string) s3GetAPI { return s3For(region) },
		ssm: func(region string) ssmGetAPI { return ssmFor(region) },
	}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("provenance directory %q: %w", d, err)
		}
		r.dirs = append(r.dirs, filepath.ToSlash(abs))
	}
	return r, nil
}

// Get returns the bytes stored at loc; ErrNotFound when there are none.
func (r *Reader) Get(ctx context.Context, loc Location) ([]byte, error) {
	if err := loc.Validate(); err != nil {
		return nil, fmt.Errorf("location %s: %w", loc, err)
	}
	switch loc.Kind {
	case S3:
		return getS3(ctx, r.s3(loc.Region), loc)
	case SSM:
		return getSSM(ctx, r.ssm(loc.Region), loc)
	}
	if !slices.ContainsFunc(r.dirs, func(d string) bool {
		return loc.Name == d || strings.HasPrefix(loc.Name, strings.TrimSuffix(d, "/")+"/")
	}) {
		return nil, fmt.Errorf("%s is a local file outside the directories you allowed: pass its directory (verify --provenance-dir) to read it", loc)
	}
	return getFile(loc)
}
