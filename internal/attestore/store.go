package attestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Store keeps envelopes in one place.
type Store interface {
	// Locate says where Put stores the envelope of imageID in region.
	Locate(region, imageID string) Location
	// Put stores an envelope and returns Locate's answer.
	Put(ctx context.Context, region, imageID string, envelope []byte) (Location, error)
	// Delete removes what Put stored at loc; nothing there is no error.
	Delete(ctx context.Context, loc Location) error
}

// ErrNotFound says nothing is stored at a location.
var ErrNotFound = errors.New("no envelope there")

// ErrTooLarge says an envelope does not fit where it is to be stored, or a
// stored one is larger than any envelope can be.
var ErrTooLarge = errors.New("envelope too large")

// Saved is an envelope stored in every store, with the pointer to it.
type Saved struct {
	Pointer Pointer
	stored  []stored
}

type stored struct {
	store Store
	loc   Location
}

// Save stores envelope in every store, in order, and returns the pointer
// whose Tags go on the AMI. If a store fails, what the others stored is
// deleted again and the error says what failed.
func Save(ctx context.Context, stores []Store, region, imageID string, envelope []byte) (*Saved, error) {
	if len(stores) == 0 {
		return nil, errors.New("no provenance store configured: set s3_bucket, ssm_prefix or directory")
	}
	sum := sha256.Sum256(envelope)
	s := &Saved{Pointer: Pointer{SHA256: hex.EncodeToString(sum[:])}}
	for _, st := range stores {
		loc, err := st.Put(ctx, region, imageID, envelope)
		if err != nil {
			if derr := s.Discard(context.WithoutCancel(ctx)); derr != nil {
				err = fmt.Errorf("%w; removing what was stored: %w", err, derr)
			}
			return nil, err
		}
		s.stored = append(s.stored, stored{st, loc})
		s.Pointer.Locations = append(s.Pointer.Locations, loc)
	}
	if _, err := s.Pointer.Tags(); err != nil {
		if derr := s.Discard(context.WithoutCancel(ctx)); derr != nil {
			err = fmt.Errorf("%w; removing what was stored: %w", err, derr)
		}
		return nil, err
	}
	return s, nil
}

// Discard deletes every stored copy, for a seal that rolls back.
func (s *Saved) Discard(ctx context.Context) error {
	var errs []error
	for _, st := range s.stored {
		if err := st.store.Delete(ctx, st.loc); err != nil {
			errs = append(errs, err)
		}
	}
	s.stored = nil
	return errors.Join(errs...)
}

// CheckPointer fails when the pointer to any image of regions would not fit
// the AMI's tags, so that a seal can refuse before it changes anything.
func CheckPointer(stores []Store, regions []string) error {
	for _, region := range regions {
		p := Pointer{SHA256: strings.Repeat("0", 64)}
		for _, st := range stores {
			p.Locations = append(p.Locations, st.Locate(region, "ami-00000000000000000"))
		}
		if _, err := p.Tags(); err != nil {
			return err
		}
	}
	return nil
}

// objectName is the envelope's name under a prefix: PREFIX REGION/IMAGE SUFFIX.
func objectName(prefix, region, imageID, suffix string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + region + "/" + imageID + suffix
}
