package harden

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

const testDS = "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"

func TestPrepareSCAPRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  map[string]any
		want []string
	}{
		{"no datastream", map[string]any{"scap": map[string]any{"profile": "standard"}}, []string{"scap.datastream is not set", "ssg-debian12-ds.xml"}},
		{"relative datastream", map[string]any{"scap": map[string]any{"datastream": "ssg.xml", "profile": "standard"}}, []string{`scap.datastream "ssg.xml" is relative`, "absolute path"}},
		{"no profile", map[string]any{"scap": map[string]any{"datastream": testDS}}, []string{"scap.profile is not set", "oscap info"}},
		{"bad profile", map[string]any{"scap": map[string]any{"datastream": testDS, "profile": "my profile"}}, []string{`scap.profile "my profile"`}},
		{"remediate in audit mode", map[string]any{"mode": "audit", "scap": map[string]any{"datastream": testDS, "profile": "standard", "remediate": true}},
			[]string{`scap.remediate = true with mode = "audit"`, `set mode = "enforce" or remove remediate`}},
		{"both missing", map[string]any{"scap": map[string]any{}}, []string{"scap.datastream is not set", "scap.profile is not set"}},
		{"unknown field", map[string]any{"scap": map[string]any{"datastream": testDS, "profile": "standard", "remedy": true}}, []string{"remedy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { prepareRejects(t, tt.cfg, tt.want) })
	}
}

// prepareRejects checks that Prepare rejects cfg with an error saying each of want.
func prepareRejects(t *testing.T, cfg map[string]any, want []string) {
	t.Helper()
	err := new(Provisioner).Prepare(cfg)
	if err == nil {
		t.Fatal("Prepare accepted it")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}

func TestPrepareSCAP(t *testing.T) {
	for name, tt := range map[string]struct {
		cfg  map[string]any
		want *hardening.SCAP
	}{
		"none":                  {map[string]any{}, nil},
		"audit":                 {map[string]any{"mode": "audit", "scap": map[string]any{"datastream": testDS, "profile": "standard"}}, &hardening.SCAP{Datastream: testDS, Profile: "standard"}},
		"remediate":             {map[string]any{"scap": map[string]any{"datastream": testDS, "profile": "xccdf_org.ssgproject.content_profile_standard", "remediate": true}}, &hardening.SCAP{Datastream: testDS, Profile: "xccdf_org.ssgproject.content_profile_standard", Remediate: true}},
		"scap is enough to run": {map[string]any{"profile": "none", "scap": map[string]any{"datastream": testDS, "profile": "standard"}}, &hardening.SCAP{Datastream: testDS, Profile: "standard"}},
	} {
		t.Run(name, func(t *testing.T) {
			var p Provisioner
			if err := p.Prepare(tt.cfg); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.prepared.scap); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			plan, _, err := p.plan(nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, plan.SCAP); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}
