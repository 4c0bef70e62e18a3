package kmssign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// fuzzKey is a fixed P-256 key: seeds must not depend on randomness.
func fuzzKey(f *testing.F) *ecdsa.PrivateKey {
	f.Helper()
	der, _ := pem.Decode([]byte(`-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIEHzx3mUfN9dU07Cz/WvqbkM0CTJ9QmkmXaBMTUNiz1ooAoGCCqGSM49
AwEHoUQDQgAE4jQ8+2WmSH7e9Rza2fwyxnmy1XBYPHqE1QcAhmFqqRvwIvdqNL8c
XpGYyAmV6Z2mpl1ucBgb9VvbUqPm3Cq16w==
-----END EC PRIVATE KEY-----`))
	k, err := x509.ParseECPrivateKey(der.Bytes)
	if err != nil || k.Curve != elliptic.P256() {
		f.Fatalf("the fixed fuzz key: %v", err)
	}
	return k
}

// FuzzLoadPrivateKeyPEM: signing_key_file is a file a user names.
func FuzzLoadPrivateKeyPEM(f *testing.F) {
	k := fuzzKey(f)
	sec1, _ := x509.MarshalECPrivateKey(k)
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: p8}))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadPrivateKeyPEM(data)
		if err != nil {
			return
		}
		sig, err := s.Sign(t.Context(), []byte("payload"))
		if err != nil {
			t.Fatalf("a loaded key does not sign: %v", err)
		}
		if err := s.Verify(t.Context(), []byte("payload"), sig); err != nil {
			t.Fatalf("a loaded key does not verify its own signature: %v", err)
		}
	})
}

// FuzzLoadPublicKeyPEM: verify --public-key is a file a user names.
func FuzzLoadPublicKeyPEM(f *testing.F) {
	der, _ := x509.MarshalPKIXPublicKey(&fuzzKey(f).PublicKey)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	f.Add(append(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...))
	f.Add([]byte("not pem"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := LoadPublicKeyPEM(data)
		if err != nil {
			return
		}
		if v.Public() == nil {
			t.Fatal("a loaded public key has no key")
		}
		if _, err := v.KeyID(); err != nil {
			t.Fatalf("a loaded public key has no key id: %v", err)
		}
		if v.Verify(t.Context(), []byte("payload"), []byte("not a signature")) == nil {
			t.Fatal("a garbage signature verifies")
		}
	})
}
