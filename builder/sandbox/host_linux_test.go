package sandbox

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHostProblems(t *testing.T) {
	const withSysAdmin = "Name:\tpacker\nCapEff:\t000001ffffffffff\n"
	const withoutSysAdmin = "Name:\tpacker\nCapEff:\t00000000a80425fb\n"
	all := func(string) (string, error) { return "/usr/bin/x", nil }
	without := func(missing ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			if slices.Contains(missing, name) {
				return "", errors.New("not found")
			}
			return "/usr/bin/" + name, nil
		}
	}
	debootstrap := &Config{OutputFormat: formatTarZst, Network: networkHost}
	tests := []struct {
		name     string
		config   *Config
		euid     int
		status   string
		lookPath func(string) (string, error)
		want     []string
	}{
		{name: "root with everything", config: debootstrap, status: withSysAdmin, lookPath: all},
		{
			name: "not root", config: debootstrap, euid: 1000, status: withSysAdmin, lookPath: all,
			want: []string{"golden-sandbox needs root (it creates namespaces, mounts and a chroot), but packer runs as uid 1000: run packer build as root, e.g. with sudo -E"},
		},
		{
			name: "root without CAP_SYS_ADMIN", config: debootstrap, status: withoutSysAdmin, lookPath: all,
			want: []string{"golden-sandbox needs CAP_SYS_ADMIN, which this root process lacks (CapEff 00000000a80425fb): in a container, run it with --privileged"},
		},
		{
			name: "no CapEff", config: debootstrap, status: "Name:\tx\n", lookPath: all,
			want: []string{"reading capabilities: no CapEff in /proc/self/status: is /proc mounted?"},
		},
		{
			name: "missing tools", config: debootstrap, status: withSysAdmin, lookPath: without("zstd", "nsenter", "unshare"),
			want: []string{"golden-sandbox needs nsenter, unshare, zstd, not found in PATH: install with `apt-get install util-linux zstd`"},
		},
		{
			name: "no zstd needed for a tar from a directory", config: &Config{RootfsDir: "/r", OutputFormat: formatTar}, status: withSysAdmin, lookPath: without("zstd"),
		},
		{
			name: "zstd for a .tar.zst source", config: &Config{RootfsTarball: "/r.tar.zst", OutputFormat: formatDir}, status: withSysAdmin, lookPath: without("zstd"),
			want: []string{"golden-sandbox needs zstd, not found in PATH: install with `apt-get install zstd`"},
		},
		{
			name: "ip for network none", config: &Config{OutputFormat: formatTarZst, Network: networkNone}, status: withSysAdmin, lookPath: without("ip"),
			want: []string{"golden-sandbox needs ip, not found in PATH: install with `apt-get install iproute2`"},
		},
		{
			name: "everything missing at once", config: debootstrap, euid: 501, status: withSysAdmin, lookPath: without("tar"),
			want: []string{
				"golden-sandbox needs root (it creates namespaces, mounts and a chroot), but packer runs as uid 501: run packer build as root, e.g. with sudo -E",
				"golden-sandbox needs tar, not found in PATH: install with `apt-get install tar`",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, err := range hostProblems(tt.config, tt.euid, tt.status, tt.lookPath) {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
