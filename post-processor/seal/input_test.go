package seal

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckInput(t *testing.T) {
	tests := []struct {
		name, builder, id string
		want              map[string]string
		err               string
	}{
		{name: "ebs", builder: "mitchellh.amazonebs", id: "us-east-1:ami-0123456789abcdef0",
			want: map[string]string{"us-east-1": "ami-0123456789abcdef0"}},
		{name: "several", builder: "packer.post-processor.amazon-import", id: "us-east-1:ami-12345678,eu-west-1:ami-87654321",
			want: map[string]string{"us-east-1": "ami-12345678", "eu-west-1": "ami-87654321"}},
		{name: "chroot", builder: "mitchellh.amazon.chroot", id: "us-east-1:ami-12345678", want: map[string]string{"us-east-1": "ami-12345678"}},
		{name: "docker", builder: "packer.post-processor.docker-import", id: "sha256:abc", err: `the input artifact comes from "packer.post-processor.docker-import"`},
		{name: "ebsvolume", builder: "mitchellh.amazon.ebsvolume", id: "us-east-1:vol-12345678", err: `comes from "mitchellh.amazon.ebsvolume"`},
		{name: "empty", builder: "mitchellh.amazonebs", id: "", err: "its id is empty"},
		{name: "no region", builder: "mitchellh.amazonebs", id: "ami-12345678", err: `"ami-12345678" in its id "ami-12345678" is not region:ami-id`},
		{name: "bad ami", builder: "mitchellh.amazonebs", id: "us-east-1:snap-12345678", err: "is not region:ami-id"},
		{name: "two in a region", builder: "mitchellh.amazonebs", id: "us-east-1:ami-12345678,us-east-1:ami-87654321", err: "names two AMIs in us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkInput(tt.builder, tt.id)
			if tt.err != "" {
				if !errors.Is(err, errNotAnAMI) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("checkInput() = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("checkInput() (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseArtifactID(f *testing.F) {
	for _, s := range []string{"us-east-1:ami-0123456789abcdef0", "us-east-1:ami-12345678,eu-west-1:ami-87654321", "", ":", "a:b,c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		amis, err := parseArtifactID(id)
		if err != nil {
			return
		}
		if len(amis) == 0 {
			t.Fatalf("parseArtifactID(%q) found no AMI and no error", id)
		}
		// what parses round-trips through the artifact's own Id()
		again, err := parseArtifactID((&Artifact{Images: amis}).Id())
		if err != nil || !cmp.Equal(amis, again) {
			t.Fatalf("round trip of %q: %v, %v", id, again, err)
		}
	})
}
