package kmssign

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

func pemOf(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, "PRIVATE KEY", der)
}

func TestLocalKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecDER, _ := x509.MarshalECPrivateKey(ec)
	keys := map[string][]byte{
		"ecdsa pkcs8":   pkcs8(t, ec),
		"ecdsa sec1":    pemOf(t, "EC PRIVATE KEY", ecDER),
		"ed25519 pkcs8": pkcs8(t, ed),
		"rsa pkcs8":     pkcs8(t, rs),
		"rsa pkcs1":     pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rs)),
	}
	for name, priv := range keys {
		t.Run(name, func(t *testing.T) {
			s, err := LoadPrivateKeyPEM(priv)
			if err != nil {
				t.Fatal(err)
			}
			data := []byte("DSSEv1 28 application/vnd.in-toto+json 2 {}")
			sig, err := s.Sign(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			pubPEM, err := s.PublicKeyPEM()
			if err != nil {
				t.Fatal(err)
			}
			v, err := LoadPublicKeyPEM(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(context.Background(), data, sig); err != nil {
				t.Fatal(err)
			}
			data[0] ^= 1
			if err := v.Verify(context.Background(), data, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("changed data: err = %v", err)
			}
			sid, _ := s.KeyID()
			vid, _ := v.KeyID()
			if sid != vid || !strings.HasPrefix(sid, "SHA256:") {
				t.Errorf("key ids %q and %q", sid, vid)
			}
		})
	}
}

func TestLoadKeyRejects(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	privTests := map[string]struct {
		data []byte
		want string
	}{
		"empty":     {nil, "no PEM block"},
		"p384":      {pkcs8(t, p384), "only P-256"},
		"rsa 1024":  {pkcs8(t, small), "use 2048 bits or more"},
		"encrypted": {pemOf(t, "ENCRYPTED PRIVATE KEY", []byte{1}), "is encrypted"},
		"cosign":    {pemOf(t, "ENCRYPTED SIGSTORE PRIVATE KEY", []byte{1}), "is encrypted"},
		"public":    {pemOf(t, "PUBLIC KEY", pubDER), `"PUBLIC KEY": give a private key`},
		"garbage":   {pemOf(t, "PRIVATE KEY", []byte("x")), "parsing the private key"},
	}
	for name, tt := range privTests {
		if _, err := LoadPrivateKeyPEM(tt.data); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("private %s: err = %v, want %q", name, err, tt.want)
		}
	}
	pubTests := map[string]struct {
		data []byte
		want string
	}{
		"empty":   {[]byte("hello"), "no PEM block"},
		"private": {pkcs8(t, ec), `"PRIVATE KEY": give a public key`},
		"two":     {append(pemOf(t, "PUBLIC KEY", pubDER), pemOf(t, "PUBLIC KEY", pubDER)...), "more than one PEM block"},
		"garbage": {pemOf(t, "PUBLIC KEY", []byte("x")), "parsing the public key"},
	}
	for name, tt := range pubTests {
		if _, err := LoadPublicKeyPEM(tt.data); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("public %s: err = %v, want %q", name, err, tt.want)
		}
	}
}

// TestKnownAnswer verifies internal/provenance's fixed envelope with this
// package's verifier, as the verify command does.
func TestKnownAnswer(t *testing.T) {
	pub, err := os.ReadFile("../provenance/testdata/kat/public.pem")
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadPublicKeyPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../provenance/testdata/kat/envelope.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := provenance.ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provenance.VerifyAndDecode(context.Background(), e, v); err != nil {
		t.Fatal(err)
	}
	if id, _ := v.KeyID(); e.Signatures[0].KeyID != id {
		t.Errorf("envelope keyid %q, key %q", e.Signatures[0].KeyID, id)
	}
}
