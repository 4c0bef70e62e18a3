package provenance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// MaxEnvelopeSize bounds what ParseEnvelope reads; records are a few KB.
const MaxEnvelopeSize = 1 << 20

// maxSignatures bounds the verification work one envelope can ask for.
const maxSignatures = 16

// Errors of envelope parsing and verification; test them with errors.Is.
var (
	ErrEnvelopeTooLarge  = errors.New("envelope is larger than 1 MiB")
	ErrEnvelopeSyntax    = errors.New("envelope is not a DSSE JSON envelope")
	ErrPayloadType       = errors.New("envelope payloadType is not " + PayloadType)
	ErrNoSignature       = errors.New("envelope has no signature")
	ErrTooManySignatures = errors.New("envelope has more than 16 signatures")
	ErrStatementSyntax   = errors.New("payload is not an in-toto statement in JSON")
	ErrSignature         = errors.New("no signature verifies with the trusted key")
	ErrSubjectMismatch   = errors.New("the record is for another image")
	ErrDigestMismatch    = errors.New("the image differs from the one the record was signed for")
)

// Sign validates s and signs it with every signer as a DSSE envelope.
func Sign(ctx context.Context, s *Statement, signers ...dsse.Signer) (*dsse.Envelope, error) {
	payload, err := MarshalStatement(s)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(signers...)
	if err != nil {
		return nil, fmt.Errorf("signing provenance: %w", err)
	}
	e, err := es.SignPayload(ctx, PayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("signing provenance: %w", err)
	}
	return e, nil
}

// MarshalStatement validates s and returns its compact JSON, the signed payload.
func MarshalStatement(s *Statement) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("invalid statement: %w", err)
	}
	return marshalJSON(s)
}

// MarshalEnvelope returns the bytes that are stored and whose sha256 the AMI's tag carries.
func MarshalEnvelope(e *dsse.Envelope) ([]byte, error) { return marshalJSON(e) }

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ParseEnvelope reads a DSSE envelope carrying an in-toto statement. It
// checks the form only; VerifyAndDecode checks the signature.
func ParseEnvelope(data []byte) (*dsse.Envelope, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, fmt.Errorf("%d bytes: %w", len(data), ErrEnvelopeTooLarge)
	}
	var e dsse.Envelope
	if err := decodeOne(data, &e); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEnvelopeSyntax, err)
	}
	if err := checkEnvelope(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

func checkEnvelope(e *dsse.Envelope) error {
	if err := checkCounts(e); err != nil {
		return err
	}
	if _, err := e.DecodeB64Payload(); err != nil {
		return fmt.Errorf("%w: payload is not base64", ErrEnvelopeSyntax)
	}
	for i, s := range e.Signatures {
		if !isBase64(s.Sig) {
			return fmt.Errorf("%w: signature %d is not base64", ErrEnvelopeSyntax, i)
		}
	}
	return nil
}

// checkCounts checks the payload type and bounds the signatures to try.
func checkCounts(e *dsse.Envelope) error {
	switch {
	case e.PayloadType != PayloadType:
		return fmt.Errorf("payloadType %q: %w", e.PayloadType, ErrPayloadType)
	case len(e.Signatures) == 0:
		return ErrNoSignature
	case len(e.Signatures) > maxSignatures:
		return fmt.Errorf("%d signatures: %w", len(e.Signatures), ErrTooManySignatures)
	}
	return nil
}

// isBase64 accepts what DSSE does: standard or URL-safe base64, not empty.
func isBase64(s string) bool {
	_, err := decodeBase64(s)
	return s != "" && err == nil
}

// decodeBase64 decodes standard or URL-safe base64, as DSSE allows.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return base64.URLEncoding.DecodeString(s)
	}
	return b, nil
}

// DecodeStatement parses and validates a statement (an envelope's payload).
func DecodeStatement(payload []byte) (*Statement, error) {
	var s Statement
	if err := decodeOne(payload, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatementSyntax, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("invalid statement: %w", err)
	}
	return &s, nil
}

// decodeOne decodes exactly one JSON value (json.Unmarshal refuses trailing data).
func decodeOne(data []byte, v any) error { return json.Unmarshal(data, v) }

// VerifyAndDecode checks that a signature of e verifies with one of the
// trusted verifiers, then decodes and validates the statement it carries. It
// decodes the payload once, for the signature and for the statement.
func VerifyAndDecode(ctx context.Context, e *dsse.Envelope, verifiers ...dsse.Verifier) (*Statement, error) {
	if len(verifiers) == 0 {
		return nil, errors.New("verifying provenance: no trusted key given")
	}
	if err := checkCounts(e); err != nil {
		return nil, err
	}
	payload, err := e.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64", ErrEnvelopeSyntax)
	}
	if !signedBy(ctx, e, payload, verifiers) {
		return nil, fmt.Errorf("%w (trusted %s; envelope signed by %s)", ErrSignature, keyIDs(verifiers), envelopeKeyIDs(e))
	}
	return DecodeStatement(payload)
}

// signedBy reports whether a signature of e over dsse.PAE(payloadType,
// payload) verifies with one of the verifiers, as dsse.EnvelopeVerifier
// decides with a threshold of one (which decodes the payload again): a
// signature is not tried with a verifier whose key id differs from its keyid
// when both are known, and a signature that is not base64 fails the envelope.
func signedBy(ctx context.Context, e *dsse.Envelope, payload []byte, verifiers []dsse.Verifier) bool {
	sigs := make([][]byte, len(e.Signatures))
	for i, s := range e.Signatures {
		sig, err := decodeBase64(s.Sig)
		if err != nil {
			return false
		}
		sigs[i] = sig
	}
	ids := make([]string, len(verifiers))
	for i, v := range verifiers {
		ids[i] = verifierKeyID(v)
	}
	pae := dsse.PAE(e.PayloadType, payload)
	for i, s := range e.Signatures {
		for j, v := range verifiers {
			if s.KeyID != "" && ids[j] != "" && s.KeyID != ids[j] {
				continue
			}
			if v.Verify(ctx, pae, sigs[i]) == nil {
				return true
			}
		}
	}
	return false
}

// verifierKeyID is a verifier's key id as DSSE matches it: its own, else the
// SHA256 fingerprint of its public key; "" when neither is known.
func verifierKeyID(v dsse.Verifier) string {
	if id, err := v.KeyID(); err == nil && id != "" {
		return id
	}
	id, err := dsse.SHA256KeyID(v.Public())
	if err != nil {
		return ""
	}
	return id
}

func keyIDs(verifiers []dsse.Verifier) string {
	var ids []string
	for _, v := range verifiers {
		ids = append(ids, orDefault(verifierKeyID(v), "a key without id"))
	}
	return strings.Join(ids, ", ")
}

func envelopeKeyIDs(e *dsse.Envelope) string {
	var ids []string
	for _, s := range e.Signatures {
		ids = append(ids, fmt.Sprintf("%q", s.KeyID))
	}
	return "keyid " + strings.Join(ids, ", ")
}

// CheckSubject says whether s is the record of the image named imageARN whose
// ImageDigest is digest, as recomputed from the live image.
func (s *Statement) CheckSubject(imageARN, digest string) error {
	for _, sub := range s.Subject {
		if sub.Name != imageARN {
			continue
		}
		if got := sub.Digest["sha256"]; got != digest {
			return fmt.Errorf("%w: %s has image digest %s now, the record says %s", ErrDigestMismatch, imageARN, digest, got)
		}
		return nil
	}
	var names []string
	for _, sub := range s.Subject {
		names = append(names, sub.Name)
	}
	return fmt.Errorf("%w: it names %s, not %s", ErrSubjectMismatch, strings.Join(names, ", "), imageARN)
}
