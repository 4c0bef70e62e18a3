package sandbox

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

const debianSources = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`

func TestParseDeb822(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []aptSource
		wantErr string
	}{
		{name: "debian 12 default", in: debianSources, want: []aptSource{
			{Types: []string{"deb"}, URIs: []string{"http://deb.debian.org/debian"}, Suites: []string{"bookworm", "bookworm-updates"}},
			{Types: []string{"deb"}, URIs: []string{"http://deb.debian.org/debian-security"}, Suites: []string{"bookworm-security"}},
		}},
		{name: "empty", in: ""},
		{name: "comments only", in: "# nothing\n#Types: deb\n"},
		{name: "case, continuation lines, several values, CRLF",
			in:   "types: deb deb-src\r\nURIs: http://a.example/debian\r\n  https://b.example/debian\r\nSUITES: trixie\r\n",
			want: []aptSource{{Types: []string{"deb", "deb-src"}, URIs: []string{"http://a.example/debian", "https://b.example/debian"}, Suites: []string{"trixie"}}}},
		{name: "disabled entries are skipped",
			in:   "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://on.example/debian\nSuites: bookworm\n",
			want: []aptSource{{Types: []string{"deb"}, URIs: []string{"http://on.example/debian"}, Suites: []string{"bookworm"}}}},
		{name: "blank lines with spaces separate entries",
			in:   "Types: deb\nURIs: http://a.example/d\nSuites: a\n   \nTypes: deb\nURIs: http://b.example/d\nSuites: b\n",
			want: []aptSource{{Types: []string{"deb"}, URIs: []string{"http://a.example/d"}, Suites: []string{"a"}}, {Types: []string{"deb"}, URIs: []string{"http://b.example/d"}, Suites: []string{"b"}}}},
		{name: "no URIs", in: "Types: deb\nSuites: bookworm\n", wantErr: "entry at line 1 has no URIs"},
		{name: "no Suites", in: "\n\nTypes: deb\nURIs: http://a.example/d\n", wantErr: "entry at line 3 has no Suites"},
		{name: "unknown type", in: "Types: rpm\nURIs: http://a.example/d\nSuites: a\n", wantErr: `unknown type "rpm"`},
		{name: "not a field", in: "Types: deb\nthis is not a field\n", wantErr: "line 2: want"},
		{name: "continuation first", in: " http://a.example/d\n", wantErr: "line 1: continuation line outside a field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDeb822(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestParseOneLine(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []aptSource
		wantErr string
	}{
		{name: "debian 11 default",
			in: "deb http://deb.debian.org/debian bullseye main\n# comment\ndeb-src http://deb.debian.org/debian bullseye main\n\ndeb http://security.debian.org/debian-security bullseye-security main # trailing\n",
			want: []aptSource{
				{Types: []string{"deb"}, URIs: []string{"http://deb.debian.org/debian"}, Suites: []string{"bullseye"}},
				{Types: []string{"deb-src"}, URIs: []string{"http://deb.debian.org/debian"}, Suites: []string{"bullseye"}},
				{Types: []string{"deb"}, URIs: []string{"http://security.debian.org/debian-security"}, Suites: []string{"bullseye-security"}},
			}},
		{name: "options", in: "deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] https://m.example/debian bookworm main\n",
			want: []aptSource{{Types: []string{"deb"}, URIs: []string{"https://m.example/debian"}, Suites: []string{"bookworm"}}}},
		{name: "options without a space", in: "deb[arch=amd64] http://m.example/debian bookworm main",
			want: []aptSource{{Types: []string{"deb"}, URIs: []string{"http://m.example/debian"}, Suites: []string{"bookworm"}}}},
		{name: "flat repository", in: "\tdeb file:///srv/repo ./\n",
			want: []aptSource{{Types: []string{"deb"}, URIs: []string{"file:///srv/repo"}, Suites: []string{"./"}}}},
		{name: "blank and comments", in: "\n   \n# deb http://x.example/d a main\n"},
		{name: "unknown type", in: "rpm http://a.example/d a", wantErr: `line 1: unknown type "rpm"`},
		{name: "no suite", in: "\ndeb http://a.example/d", wantErr: "line 2: want"},
		{name: "unclosed options", in: "deb [arch=amd64 http://a.example/d a main", wantErr: `line 1: options "[" without "]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOneLine(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func checkParse(t *testing.T, got []aptSource, err error, want []aptSource, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}

func TestHostMirror(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		suite      string
		want, from string
		wantErr    string
	}{
		{name: "deb822", files: map[string]string{"etc/apt/sources.list.d/debian.sources": debianSources},
			suite: "bookworm", want: "http://deb.debian.org/debian", from: "/etc/apt/sources.list.d/debian.sources"},
		{name: "another release from the same archive", files: map[string]string{"etc/apt/sources.list.d/debian.sources": debianSources},
			suite: "trixie", want: "http://deb.debian.org/debian", from: "/etc/apt/sources.list.d/debian.sources"},
		{name: "one-line, trailing slash dropped, deb-src and cdrom skipped",
			files: map[string]string{"etc/apt/sources.list": "deb cdrom:[Debian]/ bookworm main\ndeb-src http://src.example/debian bookworm main\ndeb http://m.example/debian/ bookworm main\n"},
			suite: "bookworm", want: "http://m.example/debian", from: "/etc/apt/sources.list"},
		{name: "the suite's entry wins over an earlier release",
			files: map[string]string{
				"etc/apt/sources.list":                  "deb http://old.example/debian bullseye main\n",
				"etc/apt/sources.list.d/debian.sources": debianSources,
			},
			suite: "bookworm", want: "http://deb.debian.org/debian", from: "/etc/apt/sources.list.d/debian.sources"},
		{name: "only pockets", files: map[string]string{"etc/apt/sources.list": "deb http://security.example/debian-security bookworm-security main\n"},
			suite: "bookworm", wantErr: "no Debian mirror for bookworm"},
		{name: "no sources", files: map[string]string{}, suite: "bookworm", wantErr: "set GOLDEN_DEBIAN_MIRROR"},
		{name: "broken file", files: map[string]string{"etc/apt/sources.list.d/x.list": "deb\n"},
			suite: "bookworm", wantErr: "parsing /etc/apt/sources.list.d/x.list: line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			got, from, err := hostMirror(fsys, tt.suite)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("hostMirror = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || from != tt.from {
				t.Errorf("hostMirror = %q, %q, %v; want %q, %q", got, from, err, tt.want, tt.from)
			}
		})
	}
}

func FuzzParseSources(f *testing.F) {
	f.Add(debianSources)
	f.Add("deb [arch=amd64] http://deb.debian.org/debian bookworm main contrib # c\n")
	f.Add("Types: deb\n URIs: x\n\n\nEnabled: no\n")
	f.Add("deb[ http://a b")
	f.Fuzz(func(t *testing.T, in string) {
		for name, parse := range map[string]func(string) ([]aptSource, error){"deb822": parseDeb822, "one-line": parseOneLine} {
			sources, err := parse(in)
			if err != nil {
				continue
			}
			for _, s := range sources {
				if len(s.Types) == 0 || len(s.URIs) == 0 || len(s.Suites) == 0 {
					t.Errorf("%s: %q parsed to an entry without types, URIs or suites: %+v", name, in, s)
				}
				for _, v := range append(append(append([]string{}, s.Types...), s.URIs...), s.Suites...) {
					if v == "" || strings.ContainsAny(v, " \t\r\n") {
						t.Errorf("%s: %q parsed to a value with spaces: %q", name, in, v)
					}
				}
			}
		}
	})
}
