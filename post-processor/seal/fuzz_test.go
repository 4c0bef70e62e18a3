package seal

import (
	"slices"
	"strings"
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
)

// FuzzParseKeyRef: kms_key_id and region_kms_key_ids values come from users.
func FuzzParseKeyRef(f *testing.F) {
	for _, s := range []string{
		"alias/golden", "1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab",
		"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms:eu-west-1:123456789012:alias/golden", "arn:aws:kms::123456789012:alias/x", "alias/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := parseKeyRef(s)
		if err != nil {
			return
		}
		if ref.raw != s || strings.ContainsAny(s, " \t\r\n") {
			t.Fatalf("parseKeyRef(%q) = %+v", s, ref)
		}
		if ref.region != "" && (!awsconfig.ValidRegion(ref.region) || !strings.HasPrefix(s, "arn:")) {
			t.Fatalf("parseKeyRef(%q): region %q", s, ref.region)
		}
		if ref.alias != strings.Contains(s, "alias/") {
			t.Fatalf("parseKeyRef(%q): alias %v", s, ref.alias)
		}
	})
}

// FuzzMissingGrants: key policies come from KMS (GetKeyPolicy), written by anyone
// who may edit the key.
func FuzzMissingGrants(f *testing.F) {
	for _, s := range []string{
		`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]}`,
		`{"Statement": {"Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt"], "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}}}}`,
		`{"Statement": [{"Principal": {"AWS": ["222222222222"]}, "Action": "kms:[", "Effect": "Allow"}]}`,
		`{}`, `[]`, `null`,
	} {
		f.Add(s)
	}
	grantees := []grantee{{account: "111111111111"}, {account: "222222222222"}, {orgID: "o-aaaaaaaaaa"},
		{orgID: "o-aaaaaaaaaa", ouPath: "ou-ab12-cdefgh12"}}
	f.Fuzz(func(t *testing.T, policy string) {
		missing, err := missingGrants(policy, grantees)
		if err != nil {
			return
		}
		for _, g := range missing {
			if !slices.Contains(grantees, g) {
				t.Fatalf("missingGrants reports %v, not a grantee", g)
			}
		}
		if len(missing) > len(grantees) {
			t.Fatalf("missingGrants reports %d of %d grantees", len(missing), len(grantees))
		}
	})
}
