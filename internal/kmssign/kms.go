package kmssign

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
)

// kmsPublicKeyAPI is what verifying with a KMS key needs.
type kmsPublicKeyAPI interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Options() kms.Options
}

// kmsSignAPI is what signing with a KMS key needs.
type kmsSignAPI interface {
	kmsPublicKeyAPI
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// KMS signs with an AWS KMS key (SIGN_VERIFY, ECC_NIST_P256): KMS signs the
// sha256 of the PAE (MessageType DIGEST), so records of any size can be
// signed. It verifies locally with the public key fetched once.
type KMS struct {
	*Verifier
	client kmsSignAPI
	keyARN string
}

var _ dsse.SignerVerifier = (*KMS)(nil)

// NewKMS checks with DescribeKey that ref names an enabled SIGN_VERIFY
// ECC_NIST_P256 key and fetches its public key. client must be for the key's
// region (Reference.Region when ref is an ARN).
func NewKMS(ctx context.Context, client kmsSignAPI, ref string) (*KMS, error) {
	r, region, err := parseFor(client, ref)
	if err != nil {
		return nil, err
	}
	out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(r.ID)})
	if err != nil {
		return nil, kmsError("describing", ref, region, err)
	}
	md := out.KeyMetadata
	if md == nil {
		return nil, fmt.Errorf("kms key %s in %s: DescribeKey returned no metadata", ref, region)
	}
	if err := checkKeyShape(ref, region, md.KeyUsage, md.KeySpec, md.SigningAlgorithms); err != nil {
		return nil, err
	}
	if md.KeyState != types.KeyStateEnabled {
		return nil, fmt.Errorf("kms key %s in %s is %s: enable it (aws kms enable-key) or use another key", ref, region, md.KeyState)
	}
	v, err := publicKey(ctx, client, ref, region)
	if err != nil {
		return nil, err
	}
	return &KMS{Verifier: v, client: client, keyARN: aws.ToString(md.Arn)}, nil
}

// NewKMSVerifier fetches the public key of a SIGN_VERIFY ECC_NIST_P256 key
// (kms:GetPublicKey only) and verifies locally with it.
func NewKMSVerifier(ctx context.Context, client kmsPublicKeyAPI, ref string) (*Verifier, error) {
	_, region, err := parseFor(client, ref)
	if err != nil {
		return nil, err
	}
	return publicKey(ctx, client, ref, region)
}

// KeyARN is the key's ARN as DescribeKey reported it.
func (k *KMS) KeyARN() string { return k.keyARN }

// Sign has KMS sign sha256(data) and checks the answer with the public key.
func (k *KMS) Sign(ctx context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	out, err := k.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(k.keyARN),
		Message:          sum[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, kmsError("signing with", k.keyARN, k.client.Options().Region, err)
	}
	if err := k.Verify(ctx, data, out.Signature); err != nil {
		return nil, fmt.Errorf("kms key %s returned a signature that its public key does not verify: %w", k.keyARN, err)
	}
	return out.Signature, nil
}

func parseFor(client kmsPublicKeyAPI, ref string) (kmsref.Reference, string, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return kmsref.Reference{}, "", err
	}
	region := client.Options().Region
	if r.Region != "" && r.Region != region {
		return kmsref.Reference{}, "", fmt.Errorf("kms key %s is in %s but the KMS client is for %s: use a client for %s", ref, r.Region, region, r.Region)
	}
	return r, region, nil
}

func publicKey(ctx context.Context, client kmsPublicKeyAPI, ref, region string) (*Verifier, error) {
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(ref)})
	if err != nil {
		return nil, kmsError("getting the public key of", ref, region, err)
	}
	spec := out.KeySpec
	if spec == "" {
		//lint:ignore SA1019 older answers (and some emulators) carry only the deprecated name
		spec = types.KeySpec(out.CustomerMasterKeySpec)
	}
	if err := checkKeyShape(ref, region, out.KeyUsage, spec, out.SigningAlgorithms); err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("kms key %s in %s: parsing its public key: %w", ref, region, err)
	}
	if k, ok := pub.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("kms key %s in %s: public key is %T, not ECDSA P-256", ref, region, pub)
	}
	return NewVerifier(pub)
}

// checkKeyShape refuses every key but an asymmetric SIGN_VERIFY ECC_NIST_P256 one.
func checkKeyShape(ref, region string, usage types.KeyUsageType, spec types.KeySpec, algs []types.SigningAlgorithmSpec) error {
	const want = "provenance needs an asymmetric key with KeyUsage SIGN_VERIFY and KeySpec ECC_NIST_P256 " +
		"(aws kms create-key --key-usage SIGN_VERIFY --key-spec ECC_NIST_P256)"
	if usage != types.KeyUsageTypeSignVerify {
		return fmt.Errorf("kms key %s in %s has KeyUsage %s: %s", ref, region, orNone(string(usage)), want)
	}
	if spec != types.KeySpecEccNistP256 {
		return fmt.Errorf("kms key %s in %s has KeySpec %s: %s", ref, region, orNone(string(spec)), want)
	}
	if len(algs) > 0 && !slices.Contains(algs, types.SigningAlgorithmSpecEcdsaSha256) {
		return fmt.Errorf("kms key %s in %s does not offer ECDSA_SHA_256: %s", ref, region, want)
	}
	return nil
}

func kmsError(doing, ref, region string, err error) error {
	var nf *types.NotFoundException
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("%s kms key %s: not found in %s: create it there or name a key of that region: %w", doing, ref, region, err)
	case isAccessDenied(err):
		return fmt.Errorf("%s kms key %s in %s: access denied: the key policy or IAM policy must allow it (docs/provenance.md): %w", doing, ref, region, err)
	}
	return fmt.Errorf("%s kms key %s in %s: %w", doing, ref, region, err)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
