package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// prepared is what the tests compare of a prepared Config.
type prepared struct {
	Suite, Mirror, Variant   string
	Include                  []string
	RootfsTarball, RootfsDir string
	CacheDir, Hostname       string
	Environment              []string
	BindMounts               []string
	Network                  string
	OutputDir, OutputFormat  string
}

func preparedOf(c *Config) prepared {
	return prepared{
		Suite: c.Suite, Mirror: c.Mirror, Variant: c.Variant, Include: c.include(),
		RootfsTarball: c.RootfsTarball, RootfsDir: c.RootfsDir,
		CacheDir: c.CacheDir, Hostname: c.Hostname, Environment: c.environ(), BindMounts: c.BindMounts,
		Network: c.Network, OutputDir: c.OutputDir, OutputFormat: c.OutputFormat,
	}
}

func TestConfigPrepare(t *testing.T) {
	tmp := t.TempDir()
	cache := filepath.Join(tmp, "cache")
	tarball := filepath.Join(tmp, "root.tar.zst")
	must(t, os.WriteFile(tarball, nil, 0o644))
	rootDir := filepath.Join(tmp, "rootdir")
	must(t, os.Mkdir(rootDir, 0o755))
	t.Setenv("GOLDEN_CACHE_DIR", cache)

	defaults := prepared{
		Suite: "bookworm", Variant: "minbase", Include: []string{"openssh-server", "procps", "sudo"},
		CacheDir: cache, Hostname: "sandbox", Environment: []string{}, Network: "host",
		OutputDir: "output-test", OutputFormat: "tar.zst",
	}
	with := func(f func(p *prepared)) prepared {
		p := defaults
		f(&p)
		return p
	}
	tests := []struct {
		name    string
		raw     map[string]any
		want    prepared
		wantErr []string // each must appear in the error
	}{
		{name: "defaults", raw: map[string]any{}, want: defaults},
		{
			name: "debootstrap settings",
			raw: map[string]any{
				"suite": "trixie", "mirror": "https://deb.example.org/debian", "variant": "buildd",
				"include": []string{"systemd", "sudo", "auditd"},
			},
			want: with(func(p *prepared) {
				p.Suite, p.Mirror, p.Variant = "trixie", "https://deb.example.org/debian", "buildd"
				p.Include = []string{"auditd", "openssh-server", "procps", "sudo", "systemd"}
			}),
		},
		{name: "file mirror", raw: map[string]any{"mirror": "file:///srv/mirror"}, want: with(func(p *prepared) { p.Mirror = "file:///srv/mirror" })},
		{
			name: "rootfs_tarball",
			raw:  map[string]any{"rootfs_tarball": tarball},
			want: with(func(p *prepared) { p.Suite, p.Variant, p.RootfsTarball = "", "", tarball }),
		},
		{
			name: "rootfs_dir",
			raw:  map[string]any{"rootfs_dir": rootDir},
			want: with(func(p *prepared) { p.Suite, p.Variant, p.RootfsDir = "", "", rootDir }),
		},
		{
			name: "everything else",
			raw: map[string]any{
				"cache_dir": filepath.Join(tmp, "other"), "hostname": "build-01.example",
				"environment": map[string]string{"B": "2", "A_1": "1"},
				"bind_mounts": []string{tmp + ":/mnt/data", rootDir + ":/srv:rw"},
				"network":     "none", "output_dir": "out", "output_format": "dir",
			},
			want: with(func(p *prepared) {
				p.CacheDir, p.Hostname = filepath.Join(tmp, "other"), "build-01.example"
				p.Environment = []string{"A_1=1", "B=2"}
				p.BindMounts = []string{tmp + ":/mnt/data:ro", rootDir + ":/srv:rw"}
				p.Network, p.OutputDir, p.OutputFormat = "none", "out", "dir"
			}),
		},
		{name: "tar output", raw: map[string]any{"output_format": "tar"}, want: with(func(p *prepared) { p.OutputFormat = "tar" })},
		{
			name:    "two sources",
			raw:     map[string]any{"rootfs_tarball": tarball, "rootfs_dir": rootDir},
			wantErr: []string{"rootfs_tarball and rootfs_dir are both set"},
		},
		{
			name: "debootstrap settings with a tarball",
			raw:  map[string]any{"rootfs_tarball": tarball, "suite": "trixie", "include": []string{"vim"}},
			wantErr: []string{
				"suite is set with rootfs_tarball, but only debootstrap uses it",
				"include is set with rootfs_tarball",
			},
		},
		{name: "missing tarball", raw: map[string]any{"rootfs_tarball": filepath.Join(tmp, "nope.tar")}, wantErr: []string{"rootfs_tarball: ", "no such file"}},
		{name: "tarball is a directory", raw: map[string]any{"rootfs_tarball": rootDir}, wantErr: []string{"rootfs_tarball: ", "is a directory (rootfs_dir takes a directory)"}},
		{name: "rootfs_dir is a file", raw: map[string]any{"rootfs_dir": tarball}, wantErr: []string{"rootfs_dir: ", "is not a directory"}},
		{name: "bad suite", raw: map[string]any{"suite": "Bookworm"}, wantErr: []string{`suite "Bookworm" is not a Debian suite name`}},
		{name: "bad mirror scheme", raw: map[string]any{"mirror": "ftp://deb.example.org/debian"}, wantErr: []string{`mirror "ftp://deb.example.org/debian" is not an http, https or file URL`}},
		{name: "mirror without host", raw: map[string]any{"mirror": "http:///debian"}, wantErr: []string{"is not an http, https or file URL"}},
		{name: "bad variant", raw: map[string]any{"variant": "fakechroot"}, wantErr: []string{`variant "fakechroot": want "minbase" or "buildd"`}},
		{name: "bad package", raw: map[string]any{"include": []string{"Bad_Pkg"}}, wantErr: []string{`include: "Bad_Pkg" is not a Debian package name`}},
		{name: "bad hostname", raw: map[string]any{"hostname": "my_host"}, wantErr: []string{`hostname "my_host" is not a host name`}},
		{name: "long hostname", raw: map[string]any{"hostname": strings.Repeat("a", 65)}, wantErr: []string{"is not a host name"}},
		{name: "empty hostname label", raw: map[string]any{"hostname": "a..b"}, wantErr: []string{"is not a host name"}},
		{name: "bad variable name", raw: map[string]any{"environment": map[string]string{"1X": "y"}}, wantErr: []string{`environment: "1X" is not a variable name`}},
		{name: "bad bind mount", raw: map[string]any{"bind_mounts": []string{tmp}}, wantErr: []string{"bind_mounts[0]: ", bindSyntax}},
		{name: "missing bind source", raw: map[string]any{"bind_mounts": []string{filepath.Join(tmp, "nope") + ":/mnt"}}, wantErr: []string{"bind_mounts[0]: source: ", "create it or correct the path"}},
		{name: "bind mount on /proc", raw: map[string]any{"bind_mounts": []string{tmp + ":/proc/sys"}}, wantErr: []string{"target /proc/sys is inside /proc"}},
		{name: "two bind mounts on one target", raw: map[string]any{"bind_mounts": []string{tmp + ":/mnt", rootDir + ":/mnt:rw"}}, wantErr: []string{"bind_mounts[1]: a bind mount on /mnt is already listed"}},
		{name: "bad network", raw: map[string]any{"network": "bridge"}, wantErr: []string{`network "bridge": want "host" or "none"`}},
		{name: "bad output format", raw: map[string]any{"output_format": "zip"}, wantErr: []string{`output_format "zip": want "tar.zst", "tar" or "dir"`}},
		{
			name:    "every problem at once",
			raw:     map[string]any{"suite": "X", "network": "bridge", "output_format": "zip"},
			wantErr: []string{`suite "X"`, `network "bridge"`, `output_format "zip"`},
		},
		{name: "unknown field", raw: map[string]any{"communicator": "ssh"}, wantErr: []string{"communicator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := map[string]any{"packer_build_name": "test"}
			for k, v := range tt.raw {
				raw[k] = v
			}
			var c Config
			_, err := c.Prepare(raw)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Prepare succeeded, want an error with %q", tt.wantErr)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if diff := cmp.Diff(tt.want, preparedOf(&c)); diff != "" {
				t.Errorf("prepared config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigCacheDirDefault(t *testing.T) {
	t.Setenv("GOLDEN_CACHE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/var/tmp/xdg")
	var c Config
	if _, err := c.Prepare(map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if want := "/var/tmp/xdg/packer-plugin-golden"; c.CacheDir != want {
		t.Errorf("cache_dir defaults to %s, want %s", c.CacheDir, want)
	}
}

func TestBuilderPrepareNamesGeneratedData(t *testing.T) {
	t.Setenv("GOLDEN_CACHE_DIR", t.TempDir())
	var b Builder
	generated, _, err := b.Prepare(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SandboxBuildTime", "SandboxDigest", "SandboxOutput", "SandboxRoot", "SandboxSuite"}
	if diff := cmp.Diff(want, generated); diff != "" {
		t.Errorf("generated data (-want +got):\n%s", diff)
	}
	if spec := b.ConfigSpec(); spec["bind_mounts"] == nil || spec["output_format"] == nil {
		t.Errorf("the HCL2 spec lacks fields: %v", spec)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
