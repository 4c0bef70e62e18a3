package seal

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMissingGrants(t *testing.T) {
	policy := `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
	  {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "222222222222"]},
	   "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "Resource": "*"},
	  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": ["kms:Decrypt"], "Resource": "*"},
	  {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}}},
	  {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}
	]}`
	grantees := []grantee{{account: "111111111111"}, {account: "222222222222"}, {account: "333333333333"}, {account: "444444444444"},
		{orgID: "o-aaaaaaaaaa"}, {orgID: "o-bbbbbbbbbb"}, {orgID: "o-aaaaaaaaaa", ouPath: "ou-ab12-cdefgh12"}}
	got, err := missingGrants(policy, grantees)
	if err != nil {
		t.Fatal(err)
	}
	// the unit is in o-aaaaaaaaaa, which the policy allows
	want := []grantee{{account: "333333333333"}, {account: "444444444444"}, {orgID: "o-bbbbbbbbbb"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(grantee{})); diff != "" {
		t.Errorf("missingGrants (-want +got):\n%s", diff)
	}
	if _, err := missingGrants("{", grantees); err == nil {
		t.Error("missingGrants of a broken policy: no error")
	}
	st := grantStatement(grantee{account: "444444444444"})
	if !strings.Contains(st, `"AWS":"arn:aws:iam::444444444444:root"`) || !strings.Contains(st, "kms:ReEncryptFrom") {
		t.Errorf("grantStatement = %s", st)
	}
	fixed, _ := missingGrants(`{"Statement": `+st+`}`, []grantee{{account: "444444444444"}})
	if len(fixed) != 0 {
		t.Errorf("the statement grantStatement suggests does not satisfy missingGrants: %s", st)
	}
}

func TestGrantees(t *testing.T) {
	c := Config{AMIUsers: []string{"222222222222", "111111111111"}, SnapshotUsers: []string{"111111111111"},
		AMIOrgARNs: []string{"arn:aws:organizations::123456789012:organization/o-aaaaaaaaaa"},
		AMIOUARNs:  []string{"arn:aws:organizations::123456789012:ou/o-aaaaaaaaaa/ou-ab12-cdefgh12"}}
	want := []grantee{{account: "111111111111"}, {account: "222222222222"}, {orgID: "o-aaaaaaaaaa"}, {orgID: "o-aaaaaaaaaa", ouPath: "ou-ab12-cdefgh12"}}
	if diff := cmp.Diff(want, c.grantees(), cmp.AllowUnexported(grantee{})); diff != "" {
		t.Errorf("grantees (-want +got):\n%s", diff)
	}
}

func TestArtifact(t *testing.T) {
	a := &Artifact{Images: map[string]string{"us-east-1": "ami-2", "eu-west-1": "ami-1"},
		KMSKeys: map[string]string{"us-east-1": "k2", "eu-west-1": "k1"}, SourceAMI: "ami-0", SourceRegion: "us-east-1"}
	if a.Id() != "eu-west-1:ami-1,us-east-1:ami-2" {
		t.Errorf("Id() = %q", a.Id())
	}
	imgs := a.registryImages()
	if len(imgs) != 2 || imgs[0].ProviderRegion != "eu-west-1" || imgs[0].SourceImageID != "ami-0" || imgs[1].Labels["kms_key_arn"] != "k2" {
		t.Errorf("HCP Packer images: %+v %+v", imgs[0], imgs[1])
	}
	data := a.State("generated_data").(map[string]interface{})
	if data["SealedAMIs"] != a.Id() || data["SourceAMI"] != "ami-0" {
		t.Errorf("generated_data = %v", data)
	}
	if err := a.Destroy(); err == nil {
		t.Error("Destroy() of an artifact with no way to remove its images: no error")
	}
}
