package kmsref

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	const (
		id     = "1234abcd-12ab-34cd-56ef-1234567890ab"
		mrkID  = "mrk-1234abcd12ab34cd56ef1234567890ab"
		keyArn = "arn:aws:kms:eu-west-1:123456789012:key/" + id
	)
	tests := []struct {
		ref  string
		want Reference
	}{
		{id, Reference{Kind: KeyID, ID: id, Name: id}},
		{mrkID, Reference{Kind: KeyID, ID: mrkID, Name: mrkID, MultiRegion: true}},
		{keyArn, Reference{Kind: KeyARN, ID: keyArn, Name: id, Partition: "aws", Region: "eu-west-1", Account: "123456789012"}},
		{"arn:aws:kms:us-east-1:123456789012:key/" + mrkID, Reference{Kind: KeyARN, ID: "arn:aws:kms:us-east-1:123456789012:key/" + mrkID, Name: mrkID,
			MultiRegion: true, Partition: "aws", Region: "us-east-1", Account: "123456789012"}},
		{"arn:aws-cn:kms:cn-north-1:123456789012:key/" + id, Reference{Kind: KeyARN, ID: "arn:aws-cn:kms:cn-north-1:123456789012:key/" + id, Name: id,
			Partition: "aws-cn", Region: "cn-north-1", Account: "123456789012"}},
		{"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/" + id, Reference{Kind: KeyARN, ID: "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/" + id, Name: id,
			Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012"}},
		{"alias/golden", Reference{Kind: Alias, ID: "alias/golden", Name: "alias/golden"}},
		{"alias/aws/ebs", Reference{Kind: Alias, ID: "alias/aws/ebs", Name: "alias/aws/ebs"}},
		{"alias/team/golden_signing-1", Reference{Kind: Alias, ID: "alias/team/golden_signing-1", Name: "alias/team/golden_signing-1"}},
		{"alias/" + strings.Repeat("a", 250), Reference{Kind: Alias, ID: "alias/" + strings.Repeat("a", 250), Name: "alias/" + strings.Repeat("a", 250)}},
		{"arn:aws:kms:eu-west-1:123456789012:alias/golden", Reference{Kind: AliasARN, ID: "arn:aws:kms:eu-west-1:123456789012:alias/golden", Name: "alias/golden",
			Partition: "aws", Region: "eu-west-1", Account: "123456789012"}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := Parse(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := map[string]string{
		"":                                     "is not a KMS key id",
		"golden":                               "is not a KMS key id",
		"1234ABCD-12AB-34CD-56EF-1234567890AB": "is not a KMS key id",
		"1234abcd-12ab-34cd-56ef-1234567890a":  "is not a KMS key id",
		"mrk-1234":                             "is not a KMS key id",
		"alias/":                               "is not a KMS key id",
		"alias/has space":                      "is not a KMS key id",
		"arn:aws:kms:eu-west-1:12345678901:key/1234abcd-12ab-34cd-56ef-1234567890ab":     "is not a KMS key id",
		"arn:aws:kms:eu-west-1:123456789012:key/alias/golden":                            "is not a KMS key id",
		"arn:aws:s3:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab":     "is not a KMS key id",
		"arn:aws:kms::123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab":             "is not a KMS key id",
		"arn:aws-cn:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": "not in partition aws-cn",
		"awskms:///alias/golden":            "is not a KMS key id",
		" alias/golden":                     "is not a KMS key id",
		"alias/golden\n":                    "is not a KMS key id",
		"alias/" + strings.Repeat("a", 251): "is 257 characters long; KMS allows at most 256",
		"arn:aws:kms:eu-west-1:123456789012:alias/" + strings.Repeat("a/", 126): "is 258 characters long",
	}
	for ref, want := range tests {
		if _, err := Parse(ref); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", ref, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"alias/golden", "mrk-1234abcd12ab34cd56ef1234567890ab", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "alias/aws/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		r, err := Parse(ref)
		if err != nil {
			return
		}
		if r.ID != ref || r.Kind < KeyID || r.Kind > AliasARN {
			t.Fatalf("Parse(%q) = %+v", ref, r)
		}
		if (r.Kind == KeyARN || r.Kind == AliasARN) != (r.Region != "") {
			t.Fatalf("region %q for a %s", r.Region, r.Kind)
		}
		if strings.ContainsAny(ref, " \t\n\r") || !strings.HasSuffix(ref, r.Name) {
			t.Fatalf("accepted %q as %+v", ref, r)
		}
		if r.AWSManaged() != strings.Contains(ref, "alias/aws/") || r.IsAlias() != strings.Contains(ref, "alias/") {
			t.Fatalf("%q: AWSManaged %v, IsAlias %v", ref, r.AWSManaged(), r.IsAlias())
		}
	})
}
