package sandbox

import (
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseBindMount(t *testing.T) {
	tests := []struct {
		spec    string
		want    bindMount
		wantErr string
	}{
		{spec: "/srv/data:/mnt/data", want: bindMount{Source: "/srv/data", Target: "/mnt/data"}},
		{spec: "/srv/data:/mnt/data:ro", want: bindMount{Source: "/srv/data", Target: "/mnt/data"}},
		{spec: "/srv/data:/mnt/data:rw", want: bindMount{Source: "/srv/data", Target: "/mnt/data", Writable: true}},
		{spec: "rel/dir:/opt/x", want: bindMount{Source: "rel/dir", Target: "/opt/x"}},
		{spec: "/etc/resolv.conf:/etc/resolv.conf", want: bindMount{Source: "/etc/resolv.conf", Target: "/etc/resolv.conf"}},
		{spec: "/run/x:/run/x", want: bindMount{Source: "/run/x", Target: "/run/x"}},
		{spec: "", wantErr: bindSyntax},
		{spec: "/srv/data", wantErr: bindSyntax},
		{spec: "/a:/b:ro:x", wantErr: "paths holding ':' cannot be mounted"},
		{spec: "/a:/b:rx", wantErr: `mode "rx"`},
		{spec: "/a:/b:", wantErr: `mode ""`},
		{spec: ":/b", wantErr: "has no source"},
		{spec: "/a:b", wantErr: "want a clean absolute path"},
		{spec: "/a:", wantErr: "want a clean absolute path"},
		{spec: "/a:/", wantErr: "want a clean absolute path"},
		{spec: "/a:/b/../c", wantErr: "want a clean absolute path"},
		{spec: "/a:/b/", wantErr: "want a clean absolute path"},
		{spec: "/a:/proc", wantErr: "inside /proc"},
		{spec: "/a:/proc/sys", wantErr: "inside /proc"},
		{spec: "/a:/sys/fs", wantErr: "inside /sys"},
		{spec: "/a:/dev/shm", wantErr: "inside /dev"},
		{spec: "/a:/devices", want: bindMount{Source: "/a", Target: "/devices"}},
		{spec: "/a\x00:/b", wantErr: "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := parseBindMount(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseBindMount(%q) = %+v, %v; want an error saying %q", tt.spec, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseBindMount(%q): %v", tt.spec, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseBindMount(%q) (-want +got):\n%s", tt.spec, diff)
			}
		})
	}
}

// FuzzParseBindMount: any spec either fails or gives a mount whose target is
// clean, absolute, outside the reserved trees, and whose String reads back.
func FuzzParseBindMount(f *testing.F) {
	for _, s := range []string{"/srv:/mnt", "/srv:/mnt:rw", "a:/b:ro", "/a:/proc/x", ":", "::", "/a:/b:c:d", "/a:/b/../c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		b, err := parseBindMount(spec)
		if err != nil {
			return
		}
		if !path.IsAbs(b.Target) || path.Clean(b.Target) != b.Target || b.Target == "/" || b.Source == "" {
			t.Fatalf("parseBindMount(%q) accepted %+v", spec, b)
		}
		for _, r := range reservedTargets {
			if b.Target == r || strings.HasPrefix(b.Target, r+"/") {
				t.Fatalf("parseBindMount(%q) accepted a target in %s", spec, r)
			}
		}
		again, err := parseBindMount(b.String())
		if err != nil || again != b {
			t.Fatalf("parseBindMount(%q).String() = %q reads back as %+v, %v", spec, b.String(), again, err)
		}
	})
}
