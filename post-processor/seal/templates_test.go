package seal

import (
	"strings"
	"testing"
)

// TestConfigureChecksTemplatesAndDurations: what Configure adds to Prepare.
func TestConfigureChecksTemplatesAndDurations(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]interface{}
		want   []string // none: valid
	}{
		{name: "valid"},
		{name: "every field of the templates", change: map[string]interface{}{
			"ami_name": "{{ .SourceAMIName }}-{{ .Region }}-{{ .SourceRegion }}-{{ .BuildName }}-{{ .GitSHA }}-{{ timestamp }}",
			"tags":     map[string]string{"Owner": "ops@example.com", "Environment": "prod", "Source": "{{ .SourceAMI }}"}}},
		{name: "misspelt field in ami_name", change: map[string]interface{}{"ami_name": "golden-{{ .SourceAmi }}"},
			want: []string{"ami_name:", "SourceAmi", "templates see .SourceAMI"}},
		{name: "misspelt field in a tag", change: map[string]interface{}{"tags": map[string]string{"Owner": "ops@example.com", "Environment": "prod", "Source": "{{ .Source }}"}},
			want: []string{`tags["Source"]:`, "Source"}},
		{name: "misspelt field in a snapshot tag", change: map[string]interface{}{"snapshot_tags": map[string]string{"Kind": "{{ .Regoin }}"}},
			want: []string{`snapshot_tags["Kind"]:`, "Regoin"}},
		{name: "days", change: map[string]interface{}{"deprecate_after": "90d", "timeout": "forever"},
			want: []string{"'deprecate_after'", "'timeout'", "deprecate_after and timeout: write a duration", "2160h for 90 days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := valid()
			for k, v := range tt.change {
				raw[k] = v
			}
			err := new(PostProcessor).Configure(raw)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Configure: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Configure accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
