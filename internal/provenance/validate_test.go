package provenance

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*Statement)
		want     error
		bindings bool // the in-toto bindings reject it too
	}{
		{"statement type", func(s *Statement) { s.Type = "https://in-toto.io/Statement/v0.1" }, ErrStatementType, true},
		{"no subject", func(s *Statement) { s.Subject = nil }, ErrSubjectRequired, true},
		{"empty subject", func(s *Statement) { s.Subject[0] = ResourceDescriptor{} }, ErrDescriptorRequired, true},
		{"subject without digest", func(s *Statement) { s.Subject[0].Digest = nil }, ErrDigestRequired, true},
		{"short digest", func(s *Statement) { s.Subject[0].Digest["sha256"] = "abcd" }, ErrDigestLength, true},
		{"non-hex digest", func(s *Statement) { s.Subject[0].Digest["sha256"] = "zz" }, ErrDigestEncoding, true},
		{"odd-length digest", func(s *Statement) { s.Subject[0].Digest["sha256"] = sha("x")[1:] }, ErrDigestEncoding, true},
		{"upper-case hex digest", func(s *Statement) { s.Subject[0].Digest["sha256"] = strings.ToUpper(sha("x")) }, nil, false},
		{"two bad digests: the first by name", func(s *Statement) { s.Subject[0].Digest = map[string]string{"sha256": "abcd", "sha1": "zz"} }, ErrDigestEncoding, true},
		{"predicate type", func(s *Statement) { s.PredicateType = "https://slsa.dev/provenance/v0.2" }, ErrPredicateType, true},
		{"build type missing", func(s *Statement) { s.Predicate.BuildDefinition.BuildType = "" }, ErrBuildTypeRequired, true},
		{"external parameters", func(s *Statement) { s.Predicate.BuildDefinition.ExternalParameters = ExternalParameters{} }, ErrExternalParamsRequired, true},
		{"bad dependency", func(s *Statement) { s.Predicate.BuildDefinition.ResolvedDependencies[1] = ResourceDescriptor{} }, ErrDescriptorRequired, true},
		{"builder id", func(s *Statement) { s.Predicate.RunDetails.Builder.ID = "" }, ErrBuilderIDRequired, true},
		{"bad byproduct", func(s *Statement) { s.Predicate.RunDetails.Byproducts[0].Digest = map[string]string{"sha1": "00"} }, ErrDigestLength, true},
		{"time order", func(s *Statement) {
			s.Predicate.RunDetails.Metadata.FinishedOn = s.Predicate.RunDetails.Metadata.StartedOn.Add(-time.Second)
		}, ErrFinishedBeforeStarted, false},
		{"year 0", func(s *Statement) {
			s.Predicate.RunDetails.Metadata.StartedOn = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
		}, ErrTimestampRange, true},
		{"build type", func(s *Statement) { s.Predicate.BuildDefinition.BuildType = "https://example.com/other" }, ErrBuildType, false},
		{"two subjects", func(s *Statement) { s.Subject = append(s.Subject, s.Subject[0]) }, ErrOneSubject, false},
		{"subject name", func(s *Statement) { s.Subject[0].Name = "ami-0123456789abcdef0" }, ErrInvalidSubjectName, false},
		{"subject sha256", func(s *Statement) { s.Subject[0].Digest = map[string]string{"sha512": sha("x") + sha("y")} }, ErrSubjectDigestRequired, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := fixtureRun().Statement(fixtureImage())
			if err != nil {
				t.Fatal(err)
			}
			tt.change(s)
			if err := s.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
			payload, err := marshalJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateWithBindings(payload); (err != nil) != tt.bindings {
				t.Errorf("in-toto bindings: %v; want rejected = %v", err, tt.bindings)
			}
		})
	}
}
