package ami

import (
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	"github.com/zclconf/go-cty/cty"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// TestOutputValue: the value Packer gets has every attribute, nested ones
// included, and an empty list of rejections rather than null.
func TestOutputValue(t *testing.T) {
	created := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	img := family.Image{Region: "eu-west-1", ID: "ami-1", Name: "debian", OwnerID: "123456789012", Created: created,
		Tags: map[string]string{family.Tag: "debian"}, Devices: []family.Device{{SnapshotID: "snap-1", Encrypted: true, KMSKeyARN: "arn:k"}}}
	tests := []struct {
		name   string
		choice family.Choice
		check  func(t *testing.T, v cty.Value)
	}{
		{
			name:   "verified, with a rejection",
			choice: family.Choice{Image: img, Provenance: &family.Provenance{BuilderID: "urn:golden:host:ci", FinishedOn: created, HardeningVerdict: "pass", SourceImageID: "ami-src"}, Rejected: []family.Rejection{{Image: family.Image{ID: "ami-2"}, Requirement: family.ReqTags, Reason: "tag X missing"}}},
			check: func(t *testing.T, v cty.Value) {
				want := map[string]cty.Value{
					"id":            cty.StringVal("ami-1"),
					"creation_date": cty.StringVal("2026-02-01T10:00:00.000Z"),
					"family":        cty.StringVal("debian"),
					"source_ami":    cty.StringVal("ami-src"),
				}
				for k, w := range want {
					if got := v.GetAttr(k); !got.RawEquals(w) {
						t.Errorf("%s = %#v, want %#v", k, got, w)
					}
				}
				p := v.GetAttr("provenance")
				if !p.GetAttr("verified").True() || p.GetAttr("builder").AsString() != "urn:golden:host:ci" ||
					p.GetAttr("build_time").AsString() != "2026-02-01T10:00:00Z" || p.GetAttr("hardening_verdict").AsString() != "pass" {
					t.Errorf("provenance = %#v", p)
				}
				r := v.GetAttr("rejected")
				if r.LengthInt() != 1 || r.Index(cty.NumberIntVal(0)).GetAttr("requirement").AsString() != "require_tags" {
					t.Errorf("rejected = %#v", r)
				}
				if k := v.GetAttr("kms_key_ids"); k.LengthInt() != 1 {
					t.Errorf("kms_key_ids = %#v", k)
				}
			},
		},
		{
			name:   "unverified, nothing rejected",
			choice: family.Choice{Image: img},
			check: func(t *testing.T, v cty.Value) {
				if v.GetAttr("provenance").GetAttr("verified").True() {
					t.Error("provenance.verified is true without a record")
				}
				if r := v.GetAttr("rejected"); r.IsNull() || r.LengthInt() != 0 {
					t.Errorf("rejected = %#v, want an empty list", r)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := hcl2helper.HCL2ValueFromConfig(output(tt.choice), (&Datasource{}).OutputSpec())
			tt.check(t, v)
		})
	}
}
