package awstest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// KMS Sign with MessageType=DIGEST signs the given SHA-256 digest without
// hashing it again: Go verifies the signature over sha256(msg) with the key
// from GetPublicKey, and Verify accepts it as DIGEST and as RAW over msg.
// Stock moto: fails (it hashes the digest again).
func TestKMSSignDigest(t *testing.T) {
	rig := awstest.Shared(t)
	c := kms.NewFromConfig(rig.Config(dst))
	msg := []byte(`{"payloadType":"application/vnd.in-toto+json"}`)
	digest := sha256.Sum256(msg)
	tests := []struct {
		spec   kmstypes.KeySpec
		alg    kmstypes.SigningAlgorithmSpec
		verify func(pub any, sig []byte) error
	}{
		{kmstypes.KeySpecEccNistP256, kmstypes.SigningAlgorithmSpecEcdsaSha256, func(pub any, sig []byte) error {
			if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), digest[:], sig) {
				return errBadSignature
			}
			return nil
		}},
		{kmstypes.KeySpecRsa2048, kmstypes.SigningAlgorithmSpecRsassaPkcs1V15Sha256, func(pub any, sig []byte) error {
			return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, digest[:], sig)
		}},
		{kmstypes.KeySpecRsa2048, kmstypes.SigningAlgorithmSpecRsassaPssSha256, func(pub any, sig []byte) error {
			return rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, digest[:], sig, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			key, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeSignVerify, KeySpec: tt.spec})
			if err != nil {
				t.Fatal(err)
			}
			keyID := key.KeyMetadata.KeyId
			signed, err := c.Sign(t.Context(), &kms.SignInput{KeyId: keyID, Message: digest[:], MessageType: kmstypes.MessageTypeDigest, SigningAlgorithm: tt.alg})
			if err != nil {
				t.Fatalf("Sign DIGEST: %v", err)
			}
			pubOut, err := c.GetPublicKey(t.Context(), &kms.GetPublicKeyInput{KeyId: keyID})
			if err != nil {
				t.Fatal(err)
			}
			pub, err := x509.ParsePKIXPublicKey(pubOut.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.verify(pub, signed.Signature); err != nil {
				t.Errorf("Go does not verify the DIGEST signature over sha256(msg): %v", err)
			}
			for _, v := range []struct {
				typ kmstypes.MessageType
				msg []byte
			}{{kmstypes.MessageTypeDigest, digest[:]}, {kmstypes.MessageTypeRaw, msg}} {
				out, err := c.Verify(t.Context(), &kms.VerifyInput{KeyId: keyID, Message: v.msg, MessageType: v.typ, Signature: signed.Signature, SigningAlgorithm: tt.alg})
				if err != nil || !out.SignatureValid {
					t.Errorf("Verify %s: valid=%v err=%v, want valid", v.typ, out != nil && out.SignatureValid, err)
				}
			}
			_, err = c.Sign(t.Context(), &kms.SignInput{KeyId: keyID, Message: msg, MessageType: kmstypes.MessageTypeDigest, SigningAlgorithm: tt.alg})
			if got := errorCode(err); got != "ValidationException" {
				t.Errorf("Sign DIGEST of a message that is no digest: %v, want ValidationException", err)
			}
		})
	}
}

var errBadSignature = errors.New("signature does not verify")
