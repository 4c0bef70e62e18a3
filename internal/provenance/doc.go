// Package provenance builds, signs and verifies the provenance record of a
// sealed AMI: an in-toto Statement v1 with one subject (the AMI) and an SLSA
// Provenance v1 predicate, signed as a DSSE envelope. It is pure: no Packer
// SDK, no AWS SDK. Signing keys plug in through go-securesystemslib's
// dsse.Signer and dsse.Verifier (see internal/kmssign). docs/provenance.md
// describes the record field by field.
package provenance

// The URIs that identify what a record is.
const (
	// StatementType is the in-toto Statement v1 type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType is SLSA Provenance v1.
	PredicateType = "https://slsa.dev/provenance/v1"
	// BuildType is golden-seal's build type: it defines externalParameters,
	// internalParameters and the subject digest (ImageDigestType).
	BuildType = "https://github.com/goldenami/packer-plugin-golden/buildtypes/seal/v1"
	// ImageDigestType names the definition of ImageDigest.
	ImageDigestType = "https://github.com/goldenami/packer-plugin-golden/imagedigest/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
)
