package seal

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// A killed run of this build leaves its copies and the unencrypted image it
// was sealing: the next run removes that image too, unless it must not.
func TestCleanLeftoversRemovesKilledRunsInputs(t *testing.T) {
	killed := imagecopy.Image{Region: "us-east-1", ID: "ami-killed"}
	tests := []struct {
		name    string
		raw     map[string]interface{}
		source  imagecopy.Image
		images  map[string]imagecopy.Image
		removed bool
		say     string
	}{
		{name: "the killed run's input", source: killed, removed: true, say: "removed the unencrypted input of a run that was killed"},
		{name: "keep_source_image", raw: map[string]interface{}{"keep_source_image": true}, source: killed, say: "keep_source_image is set"},
		{name: "this run's input", source: imagecopy.Image{Region: "us-east-1", ID: "ami-source"}},
		{name: "another account's", source: killed, images: map[string]imagecopy.Image{"ami-killed": {Region: "us-east-1", ID: "ami-killed", OwnerID: "210987654321"}}},
		{name: "golden-seal's own", source: killed, images: map[string]imagecopy.Image{"ami-killed": {Region: "us-east-1", ID: "ami-killed", OwnerID: account,
			Tags: map[string]string{imagecopy.TagStatus: imagecopy.StatusSealed}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fc, _, out := newTestRun(t, tt.raw)
			r.account = account
			fc.images = tt.images
			fc.leftovers = imagecopy.Report{
				{Region: "eu-west-1", Result: "removed leftovers of earlier runs", Removed: []string{"ami-copy1"}, Sources: []imagecopy.Image{tt.source}},
				{Region: "us-east-1", Result: "removed leftovers of earlier runs", Removed: []string{"ami-copy2"}, Sources: []imagecopy.Image{tt.source}},
			}
			if err := r.cleanLeftovers(t.Context()); err != nil {
				t.Fatal(err)
			}
			var removes []string
			for _, c := range fc.calls {
				if strings.HasPrefix(c, "Remove ") {
					removes = append(removes, c)
				}
			}
			var want []string
			if tt.removed {
				want = []string{"Remove " + tt.source.ID} // once, though both regions name it
			}
			if diff := cmp.Diff(want, removes); diff != "" {
				t.Errorf("removals (-want +got):\n%s", diff)
			}
			if tt.say != "" && !strings.Contains(out.String(), tt.say) {
				t.Errorf("output %q does not say %q", out, tt.say)
			}
			if slices.Contains(fc.calls, "Remove ami-source") {
				t.Error("removed this run's input")
			}
		})
	}
}
