// Package kmssign signs and verifies provenance envelopes (DSSE, see
// internal/provenance) with an AWS KMS asymmetric key or a local PEM key. All
// its types implement go-securesystemslib's dsse.Signer and/or dsse.Verifier.
// Signatures are what cosign and other DSSE tools expect: ECDSA P-256 over
// sha256 of the PAE (ASN.1 DER), Ed25519 over the PAE, RSA PKCS#1 v1.5 over
// sha256 of the PAE. Key ids are dsse.SHA256KeyID of the public key.
package kmssign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// ErrBadSignature is what Verify returns for a signature that does not verify.
var ErrBadSignature = errors.New("signature does not verify")

// Verifier checks signatures locally with a public key.
type Verifier struct {
	pub   crypto.PublicKey
	keyID string
	check func(data, sig []byte) bool
}

var _ dsse.Verifier = (*Verifier)(nil)

// NewVerifier accepts an ECDSA P-256, Ed25519 or RSA (2048 bits or more) public key.
func NewVerifier(pub crypto.PublicKey) (*Verifier, error) {
	v := &Verifier{pub: pub}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ecdsa key on curve %s: only P-256 is supported", k.Curve.Params().Name)
		}
		v.check = func(data, sig []byte) bool {
			sum := sha256.Sum256(data)
			return ecdsa.VerifyASN1(k, sum[:], sig)
		}
	case ed25519.PublicKey:
		v.check = func(data, sig []byte) bool { return ed25519.Verify(k, data, sig) }
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("rsa key of %d bits: use 2048 bits or more", k.N.BitLen())
		}
		v.check = func(data, sig []byte) bool {
			sum := sha256.Sum256(data)
			return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) == nil
		}
	default:
		return nil, fmt.Errorf("public key of type %T: use ECDSA P-256, Ed25519 or RSA", pub)
	}
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("computing the key id: %w", err)
	}
	v.keyID = id
	return v, nil
}

// Verify checks sig over data (the DSSE PAE).
func (v *Verifier) Verify(_ context.Context, data, sig []byte) error {
	if !v.check(data, sig) {
		return fmt.Errorf("key %s: %w", v.keyID, ErrBadSignature)
	}
	return nil
}

// KeyID is the key's SHA256 fingerprint ("SHA256:…"), the envelope's keyid.
func (v *Verifier) KeyID() (string, error) { return v.keyID, nil }

// Public is the public key.
func (v *Verifier) Public() crypto.PublicKey { return v.pub }

// PublicKeyPEM is the public key as PEM (PKIX "PUBLIC KEY"), as cosign's --key reads it.
func (v *Verifier) PublicKeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(v.pub)
	if err != nil {
		return nil, fmt.Errorf("encoding the public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// LoadPublicKeyPEM reads a PEM "PUBLIC KEY" (PKIX) and returns its verifier.
func LoadPublicKeyPEM(data []byte) (*Verifier, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found: give a PEM public key (-----BEGIN PUBLIC KEY-----)")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("PEM block is %q: give a public key (-----BEGIN PUBLIC KEY-----)", block.Type)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("more than one PEM block: give exactly one public key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing the public key: %w", err)
	}
	return NewVerifier(pub)
}
