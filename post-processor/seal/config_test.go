package seal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

// valid is a configuration that passes; each case changes it.
func valid() map[string]interface{} {
	return map[string]interface{}{
		"kms_key_id":         "alias/golden",
		"region_kms_key_ids": map[string]string{"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/0f6e1f3a-3c1d-4a53-9d66-1d2f4c5b6a7e"},
		"regions":            []string{"us-east-1", "eu-west-1"},
		"ami_name":           "golden-{{ timestamp }}",
		"tags":               map[string]string{"Owner": "ops@example.com", "Environment": "prod", "Source": "{{ .SourceAMI }}"},
		"tag_policy_file":    "testdata/policy.hcl",
	}
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]interface{}
		want   []string // substrings, every one must appear; none: valid
	}{
		{name: "valid"},
		{name: "defaults", change: map[string]interface{}{"kms_key_id": "", "region_kms_key_ids": map[string]string{}, "ami_name": "", "tags": map[string]string{}, "tag_policy_file": ""}},
		{name: "bad region", change: map[string]interface{}{"regions": []string{"eu-west-1", "mars-1"}}, want: []string{`regions: "mars-1" is not a region name`}},
		{name: "bad key", change: map[string]interface{}{"kms_key_id": "golden"}, want: []string{`kms_key_id: "golden" is not a KMS key id`}},
		{name: "key in another region", change: map[string]interface{}{"region_kms_key_ids": map[string]string{"eu-west-1": "arn:aws:kms:us-east-1:123456789012:alias/golden"}},
			want: []string{`region_kms_key_ids["eu-west-1"]: key arn:aws:kms:us-east-1:123456789012:alias/golden is in us-east-1`}},
		{name: "kms_key_id arn used in another region", change: map[string]interface{}{"kms_key_id": "arn:aws:kms:us-east-1:123456789012:alias/golden", "region_kms_key_ids": map[string]string{}},
			want: []string{`kms_key_id: key arn:aws:kms:us-east-1:123456789012:alias/golden is in us-east-1, not eu-west-1: set region_kms_key_ids["eu-west-1"]`}},
		{name: "region without key", change: map[string]interface{}{"kms_key_id": ""}, want: []string{`region_kms_key_ids has no key for eu-west-1`}},
		{name: "bad region key", change: map[string]interface{}{"region_kms_key_ids": map[string]string{"Ireland": "alias/x"}}, want: []string{`region_kms_key_ids["Ireland"]: "Ireland" is not a region name`}},
		{name: "share with managed key", change: map[string]interface{}{"kms_key_id": "", "region_kms_key_ids": map[string]string{}, "ami_users": []string{"111122223333"}},
			want: []string{"kms_key_id (not set, so alias/aws/ebs): images encrypted with the AWS managed key alias/aws/ebs cannot be shared"}},
		{name: "share with a managed key in one region", change: map[string]interface{}{"regions": []string{}, "ami_org_arns": []string{"arn:aws:organizations::123456789012:organization/o-aaaaaaaaaa"},
			"region_kms_key_ids": map[string]string{"eu-west-1": "alias/aws/ebs"}},
			want: []string{`region_kms_key_ids["eu-west-1"]: images encrypted with the AWS managed key alias/aws/ebs cannot be shared`}},
		{name: "bad account", change: map[string]interface{}{"ami_users": []string{"all"}, "snapshot_users": []string{"12345"}},
			want: []string{`ami_users: "all" is not an AWS account id`, `snapshot_users: "12345" is not an AWS account id`}},
		{name: "bad org", change: map[string]interface{}{"ami_org_arns": []string{"o-abc"}, "ami_ou_arns": []string{"ou-abc"}},
			want: []string{`ami_org_arns: "o-abc" is not an organization ARN`, `ami_ou_arns: "ou-abc" is not an organizational unit ARN`}},
		{name: "both deprecations", change: map[string]interface{}{"deprecate_at": "2099-01-01T00:00:00Z", "deprecate_after": "24h"}, want: []string{"deprecate_at and deprecate_after both set"}},
		{name: "bad deprecate_at", change: map[string]interface{}{"deprecate_at": "next year"}, want: []string{`deprecate_at "next year" is not an RFC 3339 time`}},
		{name: "past deprecate_at", change: map[string]interface{}{"deprecate_at": "2001-01-01T00:00:00Z"}, want: []string{"deprecate_at 2001-01-01T00:00:00Z is in the past"}},
		{name: "bad duration", change: map[string]interface{}{"timeout": "soon"}, want: []string{"timeout"}},
		{name: "negative timeout", change: map[string]interface{}{"timeout": "-1h"}, want: []string{"timeout is -1h0m0s"}},
		{name: "bad name", change: map[string]interface{}{"ami_name": "a!"}, want: []string{`ami_name "a!": AMI names are 3 to 128`}},
		{name: "bad name template", change: map[string]interface{}{"ami_name": "golden-{{ .Nope"}, want: []string{"invalid 'ami_name': template"}},
		{name: "policy: value", change: map[string]interface{}{"tags": map[string]string{"Owner": "ops@example.com", "Environment": "qa"}},
			want: []string{`tags: tag "Environment" = "qa": value not allowed by the tag policy: use one of ["dev" "prod"]`}},
		{name: "policy: required, pattern, forbidden", change: map[string]interface{}{"tags": map[string]string{"Owner": "Ops", "tmp:x": "1"}},
			want: []string{`tag "Environment": required by the tag policy`, `tag "tmp:x": forbidden by the tag policy`, `tag "Owner" = "Ops": value does not match`}},
		{name: "policy: snapshot tags", change: map[string]interface{}{"snapshot_tags": map[string]string{"Environment": "staging"}},
			want: []string{`snapshot_tags (with tags): tag "Environment" = "staging": value not allowed`}},
		{name: "policy block merged with the file", change: map[string]interface{}{"tag_policy": map[string]interface{}{"required": []string{"CostCenter"}}},
			want: []string{`tags: tag "CostCenter": required by the tag policy`}},
		{name: "policy block conflicts with the file", change: map[string]interface{}{"tag_policy": map[string]interface{}{"allowed_values": map[string][]string{"Environment": {"qa"}}}},
			want: []string{"tag_policy and tag_policy_file:", "conflicting tag policy rules"}},
		{name: "missing policy file", change: map[string]interface{}{"tag_policy_file": "testdata/none.hcl"}, want: []string{"tag_policy_file: open testdata/none.hcl"}},
		{name: "templated values are checked at run time", change: map[string]interface{}{"tags": map[string]string{"Owner": "{{ .BuildName }}", "Environment": hcl2helper.UnknownVariableValue}}},
		{name: "bad tag template", change: map[string]interface{}{"tags": map[string]string{"Owner": "ops@example.com", "Environment": "prod", "X": "{{ .Nope"}},
			want: []string{"invalid 'tags': template"}},
		{name: "too many tags", change: map[string]interface{}{"tag_policy_file": "", "tags": manyTags(47)},
			want: []string{"51 tags: too many tags: AWS allows 50 per image or snapshot, including the ones this plugin adds: remove 1"}},
		{name: "aws: prefix and long value", change: map[string]interface{}{"tag_policy_file": "", "tags": map[string]string{"aws:x": "1", "k": strings.Repeat("v", 257)}},
			want: []string{`tag "aws:x": tag key uses the reserved aws: prefix`, `tag "k": tag value too long (257 characters)`}},
		{name: "access", change: map[string]interface{}{"access_key": "AKIA", "max_retries": -1}, want: []string{"access_key and secret_key", "max_retries is -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := valid()
			for k, v := range tt.change {
				raw[k] = v
			}
			checkPrepare(t, raw, tt.want)
		})
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[strings.Repeat("k", i+1)] = "v"
	}
	return m
}

func TestPrepareDefaults(t *testing.T) {
	var c Config
	if err := c.Prepare(map[string]interface{}{}); err != nil {
		t.Fatal(err)
	}
	if c.AMIName != defaultAMIName || c.Timeout != 2*time.Hour || c.keyFor("eu-west-1") != "alias/aws/ebs" {
		t.Errorf("defaults: ami_name %q, timeout %v, key %q", c.AMIName, c.Timeout, c.keyFor("eu-west-1"))
	}
}

func TestPrepareProvenance(t *testing.T) {
	encrypted := filepath.Join(t.TempDir(), "encrypted.pem")
	if err := os.WriteFile(encrypted, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change map[string]interface{}
		top    map[string]interface{} // settings outside the block
		want   []string
	}{
		{name: "valid"},
		{name: "local key and every store", change: map[string]interface{}{"kms_key_id": "", "signing_key_file": signingKey(t),
			"s3_prefix": "golden/provenance", "s3_region": "eu-west-1", "s3_kms_key_id": "alias/provenance-bucket", "ssm_prefix": "/golden/provenance", "directory": t.TempDir()}},
		{name: "two keys", change: map[string]interface{}{"signing_key_file": signingKey(t)}, want: []string{"provenance: kms_key_id and signing_key_file both set: sign with one key"}},
		{name: "no key", change: map[string]interface{}{"kms_key_id": ""}, want: []string{"provenance: no signing key: set kms_key_id"}},
		{name: "bad kms key", change: map[string]interface{}{"kms_key_id": "golden"}, want: []string{`provenance: kms_key_id: "golden" is not a KMS key id, key ARN, alias/NAME or alias ARN`}},
		{name: "managed kms key", change: map[string]interface{}{"kms_key_id": "alias/aws/ebs"}, want: []string{"is an AWS managed key, which is symmetric and cannot sign"}},
		{name: "missing key file", change: map[string]interface{}{"kms_key_id": "", "signing_key_file": "testdata/none.pem"}, want: []string{"provenance: signing_key_file: open testdata/none.pem"}},
		{name: "encrypted key file", change: map[string]interface{}{"kms_key_id": "", "signing_key_file": encrypted}, want: []string{"the private key is encrypted (ENCRYPTED PRIVATE KEY): decrypt it first"}},
		{name: "no store", change: map[string]interface{}{"s3_bucket": ""}, want: []string{"provenance: no store: set s3_bucket, ssm_prefix or directory"}},
		{name: "s3 settings without bucket", change: map[string]interface{}{"s3_bucket": "", "s3_prefix": "x", "directory": t.TempDir()}, want: []string{"provenance: s3_prefix, s3_region or s3_kms_key_id set without s3_bucket"}},
		{name: "bad bucket", change: map[string]interface{}{"s3_bucket": "Golden_Provenance"}, want: []string{`provenance: s3_bucket and s3_prefix: "Golden_Provenance" is not an S3 bucket name`}},
		{name: "bad s3 region and key", change: map[string]interface{}{"s3_region": "Ireland", "s3_kms_key_id": "provenance"}, want: []string{`provenance: s3_region: "Ireland" is not a region name`, "provenance: s3_kms_key_id:"}},
		{name: "bad ssm prefix", change: map[string]interface{}{"ssm_prefix": "golden provenance"}, want: []string{`provenance: ssm_prefix: "golden provenance/ap-southeast-5/ami-00000000000000000" is not an SSM parameter name`}},
		{name: "reserved ssm prefix", change: map[string]interface{}{"ssm_prefix": "/aws/golden"}, want: []string{"SSM parameter names under /aws and /ssm are reserved"}},
		{name: "directory is a file", change: map[string]interface{}{"directory": notADir}, want: []string{"is a file: name a directory"}},
		{name: "pointer does not fit the tags", change: map[string]interface{}{"s3_prefix": strings.Repeat("p", 600), "ssm_prefix": "/" + strings.Repeat("p", 500)},
			want: []string{"provenance: provenance locations take 1", "more than the 1024 that 4 tags hold: shorten s3_prefix or ssm_prefix"}},
		{name: "template file missing", change: map[string]interface{}{"template_files": []string{"testdata/policy.hcl", "testdata/*.pkr.hcl"}},
			want: []string{`provenance: template_files: "testdata/*.pkr.hcl" matches no file`}},
		{name: "sensitive value in a tag", change: map[string]interface{}{"variables": map[string]string{"token": "s3cr3t-value"}},
			top:  map[string]interface{}{"packer_sensitive_variables": []string{"token"}, "tags": map[string]string{"Note": "token s3cr3t-value"}},
			want: []string{`tags: tag "Note" holds the value of a sensitive variable`}},
		{name: "the pointer counts against the tag limit", top: map[string]interface{}{"tags": manyTags(45)},
			want: []string{"51 tags: too many tags: AWS allows 50 per image or snapshot, including the ones this plugin adds: remove 1"}},
		{name: "snapshots carry no pointer", top: map[string]interface{}{"tags": manyTags(44), "snapshot_tags": map[string]string{"a": "1", "b": "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			block := map[string]interface{}{"kms_key_id": "alias/golden-provenance", "s3_bucket": "golden-provenance"}
			for k, v := range tt.change {
				block[k] = v
			}
			raw := map[string]interface{}{"kms_key_id": "alias/golden", "provenance": block}
			for k, v := range tt.top {
				raw[k] = v
			}
			checkPrepare(t, raw, tt.want)
		})
	}
}

func TestPrepareProvenanceDefaults(t *testing.T) {
	var c Config
	if err := c.Prepare(map[string]interface{}{"provenance": map[string]interface{}{"kms_key_id": "alias/golden-provenance", "directory": "records"}}); err != nil {
		t.Fatal(err)
	}
	p := c.Provenance
	wd, _ := os.Getwd()
	tmpl, _ := filepath.Glob("*.pkr.hcl") // none in this package: the record then names no template
	if p.Directory != filepath.Join(wd, "records") || p.RendezvousDir != hardening.DefaultRendezvousDir() || len(p.templates) != len(tmpl) || p.pointerTags != 2 {
		t.Errorf("directory %q, rendezvous_dir %q, templates %v, pointer tags %d", p.Directory, p.RendezvousDir, p.templates, p.pointerTags)
	}
}

// checkPrepare checks that Prepare accepts raw when want is empty, else that
// its error contains every string of want.
func checkPrepare(t *testing.T, raw map[string]interface{}, want []string) {
	t.Helper()
	var c Config
	err := c.Prepare(raw)
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("Prepare() = %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Prepare() = nil, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Prepare() = %v\nwant it to contain %q", err, w)
		}
	}
}
