package e2e

import (
	"strings"
	"testing"

	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestProvenanceValidate: packer validate refuses, offline, a provenance
// block that cannot work, each with the reason.
func TestProvenanceValidate(t *testing.T) {
	pr := newProvenanceRig(t)
	pr.AWS.Proxy().ClearCalls()
	tests := []struct {
		name string
		vars []string
		want string
	}{
		{"an AWS managed key cannot sign", []string{"PKR_VAR_signing_key=alias/aws/ebs"},
			`provenance: kms_key_id: kms key "alias/aws/ebs" is an AWS managed key, which is symmetric and cannot sign`},
		{"two keys", []string{"PKR_VAR_signing_key_file=testdata/provenance.pkr.hcl"}, "provenance: kms_key_id and signing_key_file both set: sign with one key"},
		{"not a PEM key", []string{"PKR_VAR_signing_key=", "PKR_VAR_signing_key_file=provenance.pkr.hcl"},
			"provenance: signing_key_file provenance.pkr.hcl: no PEM block found"},
		{"no store", []string{"PKR_VAR_s3_bucket=", "PKR_VAR_ssm_prefix=", "PKR_VAR_directory="}, "provenance: no store: set s3_bucket, ssm_prefix or directory"},
		{"a sensitive value in a tag", []string{"PKR_VAR_api_token=s3cr3t-token-value", `PKR_VAR_extra_tags={"Token":"s3cr3t-token-value"}`},
			`tags: tag "Token" holds the value of a sensitive variable: tags are readable by anyone who may describe the image: remove it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pr.Packer.Run(t, t.Context(), pr.Dir, append(pr.pipeline.vars(), pr.vars(tt.vars...)...), "validate", ".")
			out := strings.Join(strings.Fields(res.Output), " ") // packer wraps long lines
			if res.ExitCode == 0 || !strings.Contains(out, tt.want) {
				t.Errorf("packer validate exited %d, want %q", res.ExitCode, tt.want)
			}
			if strings.Contains(out, "s3cr3t-token-value") {
				t.Error("packer validate printed the sensitive value")
			}
		})
	}
	if calls := pr.AWS.Proxy().Calls(); len(calls) != 0 {
		t.Errorf("packer validate made %d AWS calls, want none", len(calls))
	}
}

// TestProvenanceKeyWithoutSignVerify: a KMS key that cannot sign (here, one
// for encryption) fails the seal in preflight, before anything is copied.
func TestProvenanceKeyWithoutSignVerify(t *testing.T) {
	pr := newProvenanceRig(t)
	pr.AWS.CreateKey(t, buildRegion, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, "alias/golden-symmetric")
	res := pr.Packer.Run(t, t.Context(), pr.Dir, append(pr.pipeline.vars(), pr.vars("PKR_VAR_signing_key=alias/golden-symmetric")...), "build", "-color=false", ".")
	out := strings.Join(strings.Fields(res.Output), " ")
	want := "provenance: kms_key_id: kms key alias/golden-symmetric in us-east-1 has KeyUsage ENCRYPT_DECRYPT: " +
		"provenance needs an asymmetric key with KeyUsage SIGN_VERIFY and KeySpec ECC_NIST_P256 " +
		"(aws kms create-key --key-usage SIGN_VERIFY --key-spec ECC_NIST_P256) (nothing was changed)"
	if res.ExitCode == 0 || !strings.Contains(out, want) {
		t.Errorf("packer build exited %d, want %q", res.ExitCode, want)
	}
	if calls := pr.AWS.Proxy().CallsTo("ec2", "CopyImage"); len(calls) != 0 {
		t.Errorf("%d CopyImage calls, want none", len(calls))
	}
	pr.assertNoRecords(t)
	pr.assertRendezvousRemoved(t)
}
