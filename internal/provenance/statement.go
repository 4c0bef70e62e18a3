package provenance

import "time"

// Statement is an in-toto Statement v1 whose predicate is SLSA Provenance v1.
// Field names and JSON follow the specifications; the in-toto Go bindings
// accept every statement this package builds (statement_test.go checks).
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     Provenance           `json:"predicate"`
}

// ResourceDescriptor is an in-toto ResourceDescriptor v1; annotations are
// string-valued here.
type ResourceDescriptor struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	MediaType   string            `json:"mediaType,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Provenance is the SLSA Provenance v1 predicate.
type Provenance struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition says what was built from what, with BuildType's parameters.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   ExternalParameters   `json:"externalParameters"`
	InternalParameters   *InternalParameters  `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
}

// ExternalParameters are the inputs the user controls (BuildType seal/v1).
type ExternalParameters struct {
	BuildName string            `json:"buildName,omitempty"`
	Templates []File            `json:"templates,omitempty"`
	Variables map[string]string `json:"variables,omitempty"`
	SourceAMI *SourceParameter  `json:"sourceAmi,omitempty"`
	Regions   []string          `json:"regions,omitempty"`
	KMSKeyIDs map[string]string `json:"kmsKeyIds,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// SourceParameter is the image the build started from, as the user named it.
type SourceParameter struct {
	ImageID string `json:"imageId"`
	Region  string `json:"region"`
}

// File is a file by path and sha256 (lowercase hex).
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// InternalParameters are set by the build platform, not the user.
type InternalParameters struct {
	// CI is the build's CI system ("github-actions", …), empty on a host.
	CI string `json:"ci,omitempty"`
	// Env holds the CI variables on the allow list (runner.go), never others.
	Env map[string]string `json:"env,omitempty"`
}

// RunDetails says who ran the build, when, and what else it produced.
type RunDetails struct {
	Builder    Builder              `json:"builder"`
	Metadata   *BuildMetadata       `json:"metadata,omitempty"`
	Byproducts []ResourceDescriptor `json:"byproducts,omitempty"`
}

// Builder identifies the platform that ran the build.
type Builder struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// BuildMetadata identifies the run and when it ran.
type BuildMetadata struct {
	InvocationID string    `json:"invocationId,omitempty"`
	StartedOn    time.Time `json:"startedOn,omitzero"`
	FinishedOn   time.Time `json:"finishedOn,omitzero"`
}
