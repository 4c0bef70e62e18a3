package seal

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/iampolicy"
)

func policyOf(t *testing.T, raw map[string]interface{}, scope PolicyScope) iampolicy.Document {
	t.Helper()
	var p PostProcessor
	if err := p.Configure(raw); err != nil {
		t.Fatal(err)
	}
	doc, err := p.config.Policy(scope)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func policyStatement(d iampolicy.Document, sid string) (iampolicy.Statement, bool) {
	i := slices.IndexFunc(d.Statement, func(s iampolicy.Statement) bool { return s.Sid == sid })
	if i < 0 {
		return iampolicy.Statement{}, false
	}
	return d.Statement[i], true
}

// Each setting brings exactly the statements and actions it needs.
func TestPolicyFollowsTheSettings(t *testing.T) {
	base := map[string]interface{}{"region": "us-east-1", "regions": []string{"eu-west-1"}, "kms_key_id": "alias/golden"}
	with := func(kv map[string]interface{}) map[string]interface{} {
		out := map[string]interface{}{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range kv {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name    string
		raw     map[string]interface{}
		sids    []string
		actions map[string][]string // sid → actions, where they matter
	}{
		{"the least", base,
			[]string{"DescribeImages", "CopyImages", "TagCopiesOnCreate", "CheckKeysAlias1", "EncryptCopiesAlias1", "ManageSealedCopies", "RemoveInputs"},
			map[string][]string{"CheckKeysAlias1": {"kms:DescribeKey"}, "ManageSealedCopies": {"ec2:CreateTags", "ec2:DeleteSnapshot", "ec2:DeregisterImage"}}},
		{"keep_source_image", with(map[string]interface{}{"keep_source_image": true}),
			[]string{"DescribeImages", "CopyImages", "TagCopiesOnCreate", "CheckKeysAlias1", "EncryptCopiesAlias1", "ManageSealedCopies"}, nil},
		{"sharing and deprecation", with(map[string]interface{}{"ami_users": []string{"444455556666"}, "snapshot_users": []string{"444455556666"}, "deprecate_after": "24h"}),
			nil, map[string][]string{"CheckKeysAlias1": {"kms:DescribeKey", "kms:GetKeyPolicy"},
				"ManageSealedCopies": {"ec2:CreateTags", "ec2:DeleteSnapshot", "ec2:DeregisterImage", "ec2:EnableImageDeprecation", "ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute"}}},
		{"retention, dry run", with(map[string]interface{}{"family": "debian-12", "retention": map[string]interface{}{"keep_latest": 2, "dry_run": true}}),
			[]string{"DescribeImages", "CopyImages", "TagCopiesOnCreate", "CheckKeysAlias1", "EncryptCopiesAlias1", "ManageSealedCopies", "RemoveInputs", "FindImageUses"}, nil},
		{"retention", with(map[string]interface{}{"family": "debian-12", "retention": map[string]interface{}{"keep_latest": 2}}),
			[]string{"DescribeImages", "CopyImages", "TagCopiesOnCreate", "CheckKeysAlias1", "EncryptCopiesAlias1", "ManageSealedCopies", "RemoveInputs", "FindImageUses", "RetireFamilyImages"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := policyOf(t, tt.raw, PolicyScope{Account: "111122223333"})
			if tt.sids != nil {
				if diff := cmp.Diff(tt.sids, doc.Sids()); diff != "" {
					t.Errorf("statements (-want +got):\n%s", diff)
				}
			}
			for sid, want := range tt.actions {
				s, ok := policyStatement(doc, sid)
				if !ok || !cmp.Equal(want, s.Action) {
					t.Errorf("%s allows %v, want %v", sid, s.Action, want)
				}
			}
		})
	}
}

// Keys are resources by ARN (ids become ARNs in their region); aliases,
// which IAM cannot name, become a condition on kms:ResourceAliases.
func TestPolicyScopesKeys(t *testing.T) {
	doc := policyOf(t, map[string]interface{}{"region": "us-east-1", "regions": []string{"eu-west-1", "ap-south-1"},
		"region_kms_key_ids": map[string]string{
			"us-east-1":  "alias/golden",
			"eu-west-1":  "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"ap-south-1": "0987dcba-09fe-87dc-65ba-ab0987654321",
		}}, PolicyScope{Account: "111122223333"})
	want := map[string]iampolicy.Statement{
		"EncryptCopies": {Resource: []string{"arn:aws:kms:ap-south-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321",
			"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			Condition: map[string]map[string][]string{"StringEquals": {"kms:ViaService": {"ec2.ap-south-1.amazonaws.com", "ec2.eu-west-1.amazonaws.com"}}}},
		"EncryptCopiesAlias1": {Resource: []string{"arn:aws:kms:us-east-1:111122223333:key/*"},
			Condition: map[string]map[string][]string{"ForAnyValue:StringEquals": {"kms:ResourceAliases": {"alias/golden"}},
				"StringEquals": {"kms:ViaService": {"ec2.us-east-1.amazonaws.com"}}}},
	}
	for sid, w := range want {
		s, ok := policyStatement(doc, sid)
		if !ok {
			t.Fatalf("no statement %s in %v", sid, doc.Sids())
		}
		if diff := cmp.Diff(w, iampolicy.Statement{Resource: s.Resource, Condition: s.Condition}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", sid, diff)
		}
	}
	if s, _ := policyStatement(doc, "RemoveInputs"); !cmp.Equal(s.Resource, []string{"arn:aws:ec2:us-east-1:111122223333:snapshot/*", "arn:aws:ec2:us-east-1::image/*"}) {
		t.Errorf("RemoveInputs on %v, want the build region only", s.Resource)
	}
	byAll := policyOf(t, map[string]interface{}{"region": "us-east-1", "kms_key_id": "alias/golden"}, PolicyScope{ArtifactRegions: []string{"us-east-1", "eu-west-1"}})
	if s, _ := policyStatement(byAll, "CopyImages"); !cmp.Equal(s.Resource, []string{"arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:us-east-1::image/*"}) {
		t.Errorf("CopyImages on %v, want every artifact region", s.Resource)
	}
	if s, _ := policyStatement(byAll, "TagCopiesOnCreate"); !strings.Contains(strings.Join(s.Resource, " "), ":*:snapshot/*") {
		t.Errorf("without an account, snapshots are %v, want any account (*)", s.Resource)
	}
}

func TestIAMPolicyCommandErrors(t *testing.T) {
	dir := t.TempDir()
	template := `variable "regions" { type = list(string) }
build {
  sources = ["source.null.x"]
  post-processor "golden-seal" {
    region     = "us-east-1"
    regions    = var.regions
    kms_key_id = "alias/golden"
  }
}`
	if err := os.WriteFile(filepath.Join(dir, "t.pkr.hcl"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "e.pkr.hcl"), []byte(`build { sources = ["source.null.x"] }`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a variable left unset", []string{dir}, 1, "regions not known before the build"},
		{"the variable given", []string{"-var", `regions=["eu-west-1"]`, dir}, 0, `"arn:aws:ec2:eu-west-1::image/*"`},
		{"a bad region", []string{"-var", `regions=["mars-1"]`, dir}, 1, `regions: "mars-1" is not a region name`},
		{"a bad account", []string{"-account", "42", dir}, 2, `-account "42" is not an AWS account id`},
		{"two templates", []string{dir, empty}, 2, "one template at a time"},
		{"no golden-seal", []string{empty}, 1, `no post-processor "golden-seal"`},
		{"a -var without =", []string{"-var", "regions", dir}, 2, "write name=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := IAMPolicyMain(t.Context(), tt.args, nil, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String()+stderr.String(), tt.want) {
				t.Errorf("exit %d, output %q%q; want %d and %q", code, stdout.String(), stderr.String(), tt.code, tt.want)
			}
		})
	}
}
