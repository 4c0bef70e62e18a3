package provenance

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Errors Validate wraps with the field at fault; test them with errors.Is.
// The first group mirrors the in-toto and SLSA Go bindings' checks; the
// second is what golden-seal's build type adds.
var (
	ErrStatementType          = errors.New("wrong statement type")
	ErrSubjectRequired        = errors.New("at least one subject required")
	ErrDigestRequired         = errors.New("at least one digest required")
	ErrDigestLength           = errors.New("digest has incorrect length")
	ErrDigestEncoding         = errors.New("digest is not valid hex-encoded string")
	ErrDescriptorRequired     = errors.New("at least one of name, URI, or digest are required")
	ErrPredicateType          = errors.New("predicate type is not SLSA Provenance v1")
	ErrBuildTypeRequired      = errors.New("buildDefinition.buildType required")
	ErrExternalParamsRequired = errors.New("buildDefinition.externalParameters required")
	ErrBuilderIDRequired      = errors.New("runDetails.builder.id required")
	ErrFinishedBeforeStarted  = errors.New("runDetails.metadata.finishedOn is before startedOn")
	ErrTimestampRange         = errors.New("timestamp is outside years 1 to 9999")
	ErrBuildType              = errors.New("buildDefinition.buildType is not golden-seal's")
	ErrOneSubject             = errors.New("a golden-seal statement has exactly one subject")
	ErrSubjectDigestRequired  = errors.New("the subject needs a sha256 digest")
	ErrInvalidSubjectName     = errors.New("the subject name is not an AMI ARN")
)

// digestLengths are the byte lengths of the fixed-size algorithms in-toto knows.
var digestLengths = map[string]int{
	"md5": 16, "sha1": 20, "sha224": 28, "sha512_224": 28, "sha256": 32, "sha512_256": 32, "sha384": 48,
	"sha512": 64, "sha3_224": 28, "sha3_256": 32, "sha3_384": 48, "sha3_512": 64,
	"gitBlob": 20, "gitCommit": 20, "gitTag": 20, "gitTree": 20, "dirHash": 32,
}

// Validate checks what the in-toto Statement v1 and SLSA Provenance v1
// specifications require (as their Go bindings do), then what golden-seal's
// build type requires: one subject named by an AMI ARN with a sha256 digest.
func (s *Statement) Validate() error {
	if s.Type != StatementType {
		return fmt.Errorf("_type %q: %w", s.Type, ErrStatementType)
	}
	if len(s.Subject) == 0 {
		return fmt.Errorf("subject: %w", ErrSubjectRequired)
	}
	for i, rd := range s.Subject {
		if err := rd.Validate(); err != nil {
			return fmt.Errorf("subject[%d]: %w", i, err)
		}
		if len(rd.Digest) == 0 {
			return fmt.Errorf("subject[%d]: %w", i, ErrDigestRequired)
		}
	}
	if s.PredicateType != PredicateType {
		return fmt.Errorf("predicateType %q: %w", s.PredicateType, ErrPredicateType)
	}
	if err := s.Predicate.Validate(); err != nil {
		return fmt.Errorf("predicate: %w", err)
	}
	return s.validateSeal()
}

func (s *Statement) validateSeal() error {
	if s.Predicate.BuildDefinition.BuildType != BuildType {
		return fmt.Errorf("predicate.buildDefinition.buildType %q: %w", s.Predicate.BuildDefinition.BuildType, ErrBuildType)
	}
	if len(s.Subject) != 1 {
		return fmt.Errorf("subject has %d entries: %w", len(s.Subject), ErrOneSubject)
	}
	if _, _, ok := ParseImageARN(s.Subject[0].Name); !ok {
		return fmt.Errorf("subject[0].name %q: %w", s.Subject[0].Name, ErrInvalidSubjectName)
	}
	if s.Subject[0].Digest["sha256"] == "" {
		return fmt.Errorf("subject[0].digest: %w", ErrSubjectDigestRequired)
	}
	return nil
}

// Validate checks a resource descriptor as the in-toto bindings do. When
// several digests are wrong it names the first by algorithm, so that the
// error does not depend on map order; the common case, all good, sorts nothing.
func (d *ResourceDescriptor) Validate() error {
	if d.Name == "" && d.URI == "" && len(d.Digest) == 0 {
		return ErrDescriptorRequired
	}
	for alg, v := range d.Digest {
		if checkDigest(alg, v) != nil {
			for _, alg := range slices.Sorted(maps.Keys(d.Digest)) {
				if err := checkDigest(alg, d.Digest[alg]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkDigest checks a digest of an algorithm of fixed size: hex, of that size.
func checkDigest(alg, v string) error {
	size, fixed := digestLengths[alg]
	switch {
	case !fixed:
		return nil
	case len(v)%2 != 0 || !isHex(v):
		return fmt.Errorf("digest %s: %w", alg, ErrDigestEncoding)
	case len(v)/2 != size:
		return fmt.Errorf("digest %s: %w", alg, ErrDigestLength)
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Validate checks the SLSA Provenance v1 predicate.
func (p *Provenance) Validate() error {
	bd := p.BuildDefinition
	if bd.BuildType == "" {
		return ErrBuildTypeRequired
	}
	if bd.ExternalParameters.empty() {
		return ErrExternalParamsRequired
	}
	for i, rd := range bd.ResolvedDependencies {
		if err := rd.Validate(); err != nil {
			return fmt.Errorf("buildDefinition.resolvedDependencies[%d]: %w", i, err)
		}
	}
	rd := p.RunDetails
	if rd.Builder.ID == "" {
		return ErrBuilderIDRequired
	}
	if m := rd.Metadata; m != nil {
		for _, ts := range []struct {
			name string
			t    time.Time
		}{{"startedOn", m.StartedOn}, {"finishedOn", m.FinishedOn}} {
			// The range of google.protobuf.Timestamp, which the in-toto bindings parse into.
			if y := ts.t.UTC().Year(); !ts.t.IsZero() && (y < 1 || y > 9999) {
				return fmt.Errorf("runDetails.metadata.%s: %w", ts.name, ErrTimestampRange)
			}
		}
		if !m.StartedOn.IsZero() && !m.FinishedOn.IsZero() && m.FinishedOn.Before(m.StartedOn) {
			return ErrFinishedBeforeStarted
		}
	}
	for i, bp := range rd.Byproducts {
		if err := bp.Validate(); err != nil {
			return fmt.Errorf("runDetails.byproducts[%d]: %w", i, err)
		}
	}
	return nil
}

func (p ExternalParameters) empty() bool {
	return p.BuildName == "" && len(p.Templates) == 0 && len(p.Variables) == 0 && p.SourceAMI == nil &&
		len(p.Regions) == 0 && len(p.KMSKeyIDs) == 0 && len(p.Tags) == 0
}
