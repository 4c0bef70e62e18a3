package kmssign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Signer signs with a local private key; it also verifies (embedded Verifier).
type Signer struct {
	*Verifier
	key crypto.Signer
}

var _ dsse.SignerVerifier = (*Signer)(nil)

// NewSigner accepts an ECDSA P-256, Ed25519 or RSA (2048 bits or more) private key.
func NewSigner(key crypto.Signer) (*Signer, error) {
	v, err := NewVerifier(key.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{Verifier: v, key: key}, nil
}

// Sign signs data (the DSSE PAE) as Verify checks it.
func (s *Signer) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch k := s.key.(type) {
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256(data)
		return ecdsa.SignASN1(rand.Reader, k, sum[:])
	case ed25519.PrivateKey:
		return ed25519.Sign(k, data), nil
	case *rsa.PrivateKey:
		sum := sha256.Sum256(data)
		return rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	}
	return nil, fmt.Errorf("cannot sign with a %T", s.key)
}

// LoadPrivateKeyPEM reads an unencrypted PEM private key: PKCS#8 ("PRIVATE
// KEY"), SEC 1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY").
func LoadPrivateKeyPEM(data []byte) (*Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found: give a PEM private key (-----BEGIN PRIVATE KEY-----)")
	}
	if strings.Contains(block.Type, "ENCRYPTED") || block.Headers["Proc-Type"] != "" {
		return nil, fmt.Errorf("the private key is encrypted (%s): decrypt it first, e.g. openssl pkey -in key.pem -out plain.pem", block.Type)
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q: give a private key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing the %s: %w", strings.ToLower(block.Type), err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of type %T cannot sign", key)
	}
	return NewSigner(signer)
}
