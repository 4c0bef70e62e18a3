package seal

import (
	"slices"
	"testing"
)

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
