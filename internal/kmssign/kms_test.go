package kmssign

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// sharedRig is the shared AWS stand-in; `make unit` (go test -short) runs without it.
func sharedRig(t *testing.T) *awstest.Rig {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the AWS stand-in (moto): not run with -short")
	}
	return awstest.Shared(t)
}

const region = "eu-west-1"

func TestKMSSignsDigest(t *testing.T) {
	rig := sharedRig(t)
	c := kms.NewFromConfig(rig.Config(region))
	arn := rig.CreateKey(t, region, types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "alias/golden")
	keyID := arn[strings.LastIndex(arn, "/")+1:]
	for _, ref := range []string{"alias/golden", arn, keyID, "arn:aws:kms:eu-west-1:" + awstest.AccountID + ":alias/golden"} {
		t.Run(ref, func(t *testing.T) {
			k, err := NewKMS(t.Context(), c, ref)
			if err != nil {
				t.Fatal(err)
			}
			if k.KeyARN() != arn {
				t.Errorf("KeyARN() = %q, want %q", k.KeyARN(), arn)
			}
			data := []byte(strings.Repeat("a record of any size ", 1000))
			sig, err := k.Sign(t.Context(), data)
			if err != nil {
				t.Fatal(err)
			}
			// A verifier that knows only the public key accepts the signature.
			pub, err := NewKMSVerifier(t.Context(), c, ref)
			if err != nil {
				t.Fatal(err)
			}
			pemBytes, _ := pub.PublicKeyPEM()
			local, err := LoadPublicKeyPEM(pemBytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := local.Verify(t.Context(), data, sig); err != nil {
				t.Fatal(err)
			}
		})
	}
	signs := rig.Proxy().CallsTo("kms", "Sign")
	if len(signs) != 4 {
		t.Fatalf("%d Sign calls, want 4", len(signs))
	}
	for _, call := range signs {
		if call.Params["MessageType"] != "DIGEST" || call.Params["SigningAlgorithm"] != "ECDSA_SHA_256" {
			t.Errorf("Sign sent %v, want MessageType DIGEST and ECDSA_SHA_256", call.Params)
		}
	}
	if n := len(rig.Proxy().CallsTo("kms", "GetPublicKey")); n != 8 {
		t.Errorf("%d GetPublicKey calls, want 8: one per NewKMS and NewKMSVerifier, none per Sign", n)
	}
}

func TestKMSRefusesUnfitKeys(t *testing.T) {
	rig := sharedRig(t)
	c := kms.NewFromConfig(rig.Config(region))
	symmetric := rig.CreateKey(t, region, types.KeyUsageTypeEncryptDecrypt, types.KeySpecSymmetricDefault, "")
	rsaKey := rig.CreateKey(t, region, types.KeyUsageTypeSignVerify, types.KeySpecRsa2048, "")
	disabled := rig.CreateKey(t, region, types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "")
	// moto 5.2.1's DisableKey takes a key id only, not an ARN.
	if _, err := c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: aws.String(disabled[strings.LastIndex(disabled, "/")+1:])}); err != nil {
		t.Fatal(err)
	}
	elsewhere := rig.CreateKey(t, "us-east-1", types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "")
	tests := map[string]struct{ ref, want string }{
		"no SIGN_VERIFY": {symmetric, "has KeyUsage ENCRYPT_DECRYPT: provenance needs an asymmetric key with KeyUsage SIGN_VERIFY and KeySpec ECC_NIST_P256"},
		"rsa":            {rsaKey, "has KeySpec RSA_2048: provenance needs"},
		"disabled":       {disabled, "is Disabled: enable it"},
		"missing":        {"alias/missing", "kms key alias/missing: not found in eu-west-1"},
		"other region":   {elsewhere, "is in us-east-1 but the KMS client is for eu-west-1"},
		"aws managed":    {"alias/aws/ebs", "AWS managed key"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := NewKMS(t.Context(), c, tt.ref)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewKMS(%s) = %v, want an error containing %q", tt.ref, err, tt.want)
			}
		})
	}
	if _, err := NewKMSVerifier(t.Context(), c, symmetric); err == nil || !strings.Contains(err.Error(), "KeyUsage ENCRYPT_DECRYPT") {
		t.Errorf("NewKMSVerifier of a symmetric key: %v", err)
	}
	if n := len(rig.Proxy().CallsTo("kms", "Sign")); n != 0 {
		t.Errorf("%d Sign calls with unfit keys", n)
	}
}

// wrongKey answers Sign with a signature of another key, as a misconfigured
// proxy or stand-in might: Sign must refuse to hand it out.
type wrongKey struct {
	*kms.Client
	other *KMS
}

func (w wrongKey) Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error) {
	return w.other.client.Sign(ctx, &kms.SignInput{KeyId: aws.String(w.other.keyARN), Message: in.Message, MessageType: in.MessageType, SigningAlgorithm: in.SigningAlgorithm}, opts...)
}

func TestKMSSignChecksTheAnswer(t *testing.T) {
	rig := sharedRig(t)
	c := kms.NewFromConfig(rig.Config(region))
	a := rig.CreateKey(t, region, types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "")
	b := rig.CreateKey(t, region, types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "")
	other, err := NewKMS(t.Context(), c, b)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKMS(t.Context(), wrongKey{Client: c, other: other}, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Sign(t.Context(), []byte("x")); !errors.Is(err, ErrBadSignature) {
		t.Errorf("err = %v, want ErrBadSignature", err)
	}
}
