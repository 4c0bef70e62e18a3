package seal

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

func TestLifecycleConfig(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]interface{}
		errs []string // substrings; none: valid
	}{
		{name: "none"},
		{name: "family and retention", raw: map[string]interface{}{"family": "debian-12-golden", "source_ami_owners": []string{"136693071363", "self", "amazon"},
			"retention": map[string]interface{}{"keep_latest": 3, "max_age": "90d", "deprecate_superseded": true, "dry_run": true}}},
		{name: "retention without family", raw: map[string]interface{}{"retention": map[string]interface{}{"keep_latest": 3}},
			errs: []string{"retention: it acts on the images tagged golden:family: set family"}},
		{name: "retention that keeps everything", raw: map[string]interface{}{"family": "f", "retention": map[string]interface{}{"deprecate_superseded": true}},
			errs: []string{"retention: not a retention policy: set keep_latest, max_age or both"}},
		{name: "bad values", raw: map[string]interface{}{"family": "debian, 12", "source_ami_owners": []string{"debian"},
			"retention": map[string]interface{}{"keep_latest": -1, "max_age": "3 months"}},
			errs: []string{`family: not a family name: "debian, 12"`, `source_ami_owners: "debian" is not an owner`, `retention.max_age: not an age: "3 months"`}},
		{name: "negative keep_latest", raw: map[string]interface{}{"family": "f", "retention": map[string]interface{}{"keep_latest": -1}},
			errs: []string{"retention: not a retention policy: keep_latest is -1"}},
		{name: "tags that golden-seal writes", raw: map[string]interface{}{"family": "f",
			"tags": map[string]string{family.Tag: "g"}, "snapshot_tags": map[string]string{family.TagSourceAMI: "ami-1"}},
			errs: []string{`tags["golden:family"]: golden-seal writes this tag itself`, `snapshot_tags["golden:source-ami"]: golden-seal writes this tag itself`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			err := c.Prepare(tt.raw)
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Prepare succeeded")
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("no error says %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestLifecycleTagsCountAgainstTheLimit(t *testing.T) {
	tags := map[string]string{}
	for i := range 46 {
		tags[strings.Repeat("k", i+1)] = "v"
	}
	var c Config
	if err := c.Prepare(map[string]interface{}{"tags": tags}); err != nil {
		t.Fatalf("46 tags and the 4 markers: %v", err)
	}
	err := c.Prepare(map[string]interface{}{"tags": tags, "family": "f"})
	if err == nil || !strings.Contains(err.Error(), "tags") {
		t.Errorf("46 tags, 4 markers and 3 lifecycle tags: %v, want a limit error", err)
	}
	if diff := cmp.Diff([]string{family.Tag, family.TagSourceAMI, family.TagSourceOwner}, c.lifecycleTagKeys()); diff != "" {
		t.Errorf("lifecycle tags (-want +got):\n%s", diff)
	}
	var p Config
	if err := p.Prepare(map[string]interface{}{"family": "f", "retention": map[string]interface{}{"max_age": "2w", "keep_latest": 2}}); err != nil {
		t.Fatal(err)
	}
	if want := (family.Policy{KeepLatest: 2, MaxAge: 14 * 24 * time.Hour}); p.Retention.policy != want {
		t.Errorf("policy %+v, want %+v", p.Retention.policy, want)
	}
}
