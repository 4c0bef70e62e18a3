package sandbox

import (
	"strings"
	"testing"
)

func TestSpecKey(t *testing.T) {
	base := Spec{Suite: "bookworm", Mirror: "http://m.example/debian", Variant: "minbase", Include: []string{"sudo", "procps"}, Arch: "amd64"}
	with := func(f func(*Spec)) Spec {
		s := base
		s.Include = append([]string{}, base.Include...)
		f(&s)
		return s
	}
	tests := []struct {
		name string
		spec Spec
		same bool
	}{
		{name: "identical", spec: with(func(*Spec) {}), same: true},
		{name: "include order", spec: with(func(s *Spec) { s.Include = []string{"procps", "sudo"} }), same: true},
		{name: "include duplicates", spec: with(func(s *Spec) { s.Include = []string{"sudo", "procps", "sudo"} }), same: true},
		{name: "mirror trailing slash", spec: with(func(s *Spec) { s.Mirror += "/" }), same: true},
		{name: "suite", spec: with(func(s *Spec) { s.Suite = "trixie" })},
		{name: "mirror", spec: with(func(s *Spec) { s.Mirror = "http://other.example/debian" })},
		{name: "variant", spec: with(func(s *Spec) { s.Variant = "buildd" })},
		{name: "one more package", spec: with(func(s *Spec) { s.Include = append(s.Include, "curl") })},
		{name: "no packages", spec: with(func(s *Spec) { s.Include = []string{} })},
		{name: "arch", spec: with(func(s *Spec) { s.Arch = "arm64" })},
		{name: "packages joined differently", spec: with(func(s *Spec) { s.Include = []string{"procps,sudo"} })},
	}
	resolvedBase, _, err := base.resolve()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resolved, _, err := tt.spec.resolve()
			if err != nil {
				if !tt.same && strings.Contains(err.Error(), "not a Debian package name") {
					return // cannot collide: refused
				}
				t.Fatal(err)
			}
			if got := resolved.key() == resolvedBase.key(); got != tt.same {
				t.Errorf("key(%+v) == key(%+v) is %v, want %v", tt.spec, base, got, tt.same)
			}
		})
	}
}

func TestSpecResolve(t *testing.T) {
	t.Setenv("GOLDEN_DEBIAN_MIRROR", "http://env.example/debian/")
	tests := []struct {
		name    string
		spec    Spec
		want    Spec
		origin  string
		wantErr string
	}{
		{name: "defaults", spec: Spec{Arch: "amd64"},
			want:   Spec{Suite: "bookworm", Mirror: "http://env.example/debian", Variant: "minbase", Include: []string{"openssh-server", "procps", "sudo"}, Arch: "amd64"},
			origin: "GOLDEN_DEBIAN_MIRROR"},
		{name: "configured mirror wins", spec: Spec{Mirror: "file:///srv/mirror", Include: []string{}, Arch: "arm64"},
			want:   Spec{Suite: "bookworm", Mirror: "file:///srv/mirror", Variant: "minbase", Include: []string{}, Arch: "arm64"},
			origin: "the configuration"},
		{name: "ftp mirror", spec: Spec{Mirror: "ftp://m.example/debian"}, wantErr: "is not an http, https or file URL"},
		{name: "mirror with spaces", spec: Spec{Mirror: "http://m.example/deb ian"}, wantErr: "is not an http, https or file URL"},
		{name: "suite", spec: Spec{Suite: "Bookworm\nmirror=x"}, wantErr: "suite"},
		{name: "variant", spec: Spec{Variant: "min base"}, wantErr: "variant"},
		{name: "arch", spec: Spec{Arch: "AMD64"}, wantErr: "architecture"},
		{name: "package", spec: Spec{Include: []string{"sudo,procps"}}, wantErr: `include "sudo,procps" is not a Debian package name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, origin, err := tt.spec.resolve()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve(%+v) = %v, want an error containing %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if origin != tt.origin || !equalSpec(got, tt.want) {
				t.Errorf("resolve(%+v) = %+v from %q, want %+v from %q", tt.spec, got, origin, tt.want, tt.origin)
			}
		})
	}
}

func equalSpec(a, b Spec) bool {
	return a.Suite == b.Suite && a.Mirror == b.Mirror && a.Variant == b.Variant && a.Arch == b.Arch &&
		strings.Join(a.Include, ",") == strings.Join(b.Include, ",") && (a.Include == nil) == (b.Include == nil)
}
