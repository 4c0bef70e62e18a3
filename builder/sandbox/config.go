//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config
//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown

package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
)

// Config is the configuration of the golden-sandbox builder.
type Config struct {
	common.PackerConfig `mapstructure:",squash"`

	// The Debian suite to debootstrap, such as `bookworm` or `trixie`.
	// Defaults to `bookworm`. Each suite, mirror, variant and package list is
	// debootstrapped once and cached in `cache_dir`; later builds start from
	// the cache in seconds.
	Suite string `mapstructure:"suite"`
	// The Debian mirror to debootstrap from: an `http`, `https` or `file` URL.
	// Defaults to `$GOLDEN_DEBIAN_MIRROR`, else the Debian mirror of this
	// machine's APT sources.
	Mirror string `mapstructure:"mirror"`
	// debootstrap's variant: `minbase` (the default) or `buildd`.
	Variant string `mapstructure:"variant"`
	// Debian packages to install in the root besides `openssh-server`, `sudo`
	// and `procps`, which it always has. Add `systemd` for rules that need
	// `systemctl enable`/`disable` (services still do not run; see Limits).
	Include []string `mapstructure:"include"`
	// A root filesystem tarball on this machine to start from instead of
	// debootstrap, compressed or not, such as the `tar.zst` of an earlier
	// golden-sandbox build. It is unpacked afresh for every build.
	RootfsTarball string `mapstructure:"rootfs_tarball"`
	// A root filesystem directory on this machine to start from instead of
	// debootstrap. It is copied for every build and never changed.
	RootfsDir string `mapstructure:"rootfs_dir"`
	// Where debootstrapped roots are cached, as zstd tarballs named by the
	// sha256 of their inputs, and where builds unpack their working root.
	// Defaults to `$GOLDEN_CACHE_DIR`, else `packer-plugin-golden` in your
	// cache directory (`$XDG_CACHE_HOME` or `~/.cache`).
	CacheDir string `mapstructure:"cache_dir"`
	// The sandbox's host name, as `hostname` prints it inside. Defaults to
	// `sandbox`. It does not change the image's `/etc/hostname`.
	Hostname string `mapstructure:"hostname"`
	// Environment variables for every command the provisioners run in the
	// sandbox, by name.
	Environment map[string]string `mapstructure:"environment"`
	// Host files or directories to mount into the sandbox while it runs, as
	// `SOURCE:TARGET`, `SOURCE:TARGET:ro` or `SOURCE:TARGET:rw`; read-only
	// unless `:rw`. TARGET is an absolute path inside the sandbox, outside
	// `/proc`, `/sys` and `/dev`. Mounted files are not packed into the output.
	BindMounts []string `mapstructure:"bind_mounts"`
	// `host` (the default) shares this machine's network, so that `apt-get`
	// inside reaches the mirror; `none` gives the sandbox a network of its own
	// with only a loopback interface.
	Network string `mapstructure:"network"`
	// Where the artifact is written. Defaults to `output-` followed by the
	// build's name. It must not exist unless `packer build -force` is used.
	OutputDir string `mapstructure:"output_dir"`
	// How the provisioned root is written: `tar.zst` (the default, a
	// zstd-compressed tarball), `tar`, or `dir` (a directory).
	OutputFormat string `mapstructure:"output_format"`

	ctx interpolate.Context
}

// Values of network and output_format.
const (
	networkHost = "host"
	networkNone = "none"

	formatTarZst = "tar.zst"
	formatTar    = "tar"
	formatDir    = "dir"
)

// Defaults.
const (
	defaultSuite    = "bookworm"
	defaultVariant  = "minbase"
	defaultHostname = "sandbox"
)

// basePackages are in every debootstrapped root: the sandbox's own sshd
// (sandboxtest, the rig) and what hardening rules inspect.
var basePackages = []string{"openssh-server", "procps", "sudo"}

var (
	debianName = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	hostLabel  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

// Prepare decodes raws into c, fills in the defaults and checks every field,
// reporting all problems at once.
func (c *Config) Prepare(raws ...any) ([]string, error) {
	err := config.Decode(c, &config.DecodeOpts{
		PluginType:         "golden-sandbox",
		Interpolate:        true,
		InterpolateContext: &c.ctx,
	}, raws...)
	if err != nil {
		return nil, err
	}
	var warnings []string
	if runtime.GOOS != "linux" {
		warnings = append(warnings, fmt.Sprintf("golden-sandbox builds only on Linux, as root: packer build will refuse to run it on %s", runtime.GOOS))
	}
	if errs := c.prepare(); len(errs) > 0 {
		return warnings, packersdk.MultiErrorAppend(nil, errs...)
	}
	return warnings, nil
}

// prepare fills in the defaults and returns every problem of c.
func (c *Config) prepare() []error {
	var errs []error
	errs = append(errs, c.prepareSource()...)
	errs = append(errs, c.prepareCacheDir()...)
	if c.Hostname == "" {
		c.Hostname = defaultHostname
	}
	if !validHostname(c.Hostname) {
		errs = append(errs, fmt.Errorf("hostname %q is not a host name: use letters, digits and inner hyphens, in dot-separated labels of at most 63 characters, 64 in all", c.Hostname))
	}
	for _, name := range slices.Sorted(maps.Keys(c.Environment)) {
		if !envName.MatchString(name) {
			errs = append(errs, fmt.Errorf("environment: %q is not a variable name: use letters, digits and _, not starting with a digit", name))
		}
		if strings.ContainsRune(c.Environment[name], 0) {
			errs = append(errs, fmt.Errorf("environment: the value of %s holds a NUL byte, which no environment variable can", name))
		}
	}
	errs = append(errs, c.prepareBindMounts()...)
	switch c.Network {
	case "":
		c.Network = networkHost
	case networkHost, networkNone:
	default:
		errs = append(errs, fmt.Errorf("network %q: want %q or %q", c.Network, networkHost, networkNone))
	}
	if c.OutputDir == "" {
		c.OutputDir = "output-" + c.PackerBuildName
	}
	switch c.OutputFormat {
	case "":
		c.OutputFormat = formatTarZst
	case formatTarZst, formatTar, formatDir:
	default:
		errs = append(errs, fmt.Errorf("output_format %q: want %q, %q or %q", c.OutputFormat, formatTarZst, formatTar, formatDir))
	}
	return errs
}

// prepareSource checks where the root comes from: a tarball, a directory, or
// debootstrap (suite, mirror, variant, include).
func (c *Config) prepareSource() []error {
	var errs []error
	if c.RootfsTarball != "" && c.RootfsDir != "" {
		errs = append(errs, errors.New("rootfs_tarball and rootfs_dir are both set: keep one, or neither to debootstrap the root"))
	}
	if c.RootfsTarball != "" || c.RootfsDir != "" {
		from := "rootfs_tarball"
		if c.RootfsDir != "" {
			from = "rootfs_dir"
		}
		for _, f := range []struct{ name, value string }{{"suite", c.Suite}, {"mirror", c.Mirror}, {"variant", c.Variant}, {"include", strings.Join(c.Include, ",")}} {
			if f.value != "" {
				errs = append(errs, fmt.Errorf("%s is set with %s, but only debootstrap uses it: remove %s, or %s to debootstrap the root", f.name, from, f.name, from))
			}
		}
	}
	if c.RootfsTarball != "" {
		abs, err := existing(c.RootfsTarball, false)
		if err != nil {
			errs = append(errs, fmt.Errorf("rootfs_tarball: %w: give the path of a root filesystem tarball", err))
		}
		c.RootfsTarball = abs
	}
	if c.RootfsDir != "" {
		abs, err := existing(c.RootfsDir, true)
		if err != nil {
			errs = append(errs, fmt.Errorf("rootfs_dir: %w: give the path of a root filesystem directory", err))
		}
		c.RootfsDir = abs
	}
	if c.RootfsTarball != "" || c.RootfsDir != "" {
		return errs
	}
	if c.Suite == "" {
		c.Suite = defaultSuite
	}
	if !debianName.MatchString(c.Suite) {
		errs = append(errs, fmt.Errorf("suite %q is not a Debian suite name (lowercase letters, digits, . + -): use e.g. %q", c.Suite, defaultSuite))
	}
	if c.Mirror != "" {
		if u, err := url.Parse(c.Mirror); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") || u.Host == "" && u.Scheme != "file" || strings.ContainsAny(c.Mirror, " \t\n") {
			errs = append(errs, fmt.Errorf("mirror %q is not an http, https or file URL: use e.g. http://deb.debian.org/debian, or leave it out to use this machine's Debian mirror", c.Mirror))
		}
	}
	switch c.Variant {
	case "":
		c.Variant = defaultVariant
	case "minbase", "buildd":
	default:
		errs = append(errs, fmt.Errorf("variant %q: want %q or %q", c.Variant, "minbase", "buildd"))
	}
	for _, p := range c.Include {
		if !debianName.MatchString(p) {
			errs = append(errs, fmt.Errorf("include: %q is not a Debian package name (lowercase letters, digits, . + -)", p))
		}
	}
	return errs
}

// prepareCacheDir makes cache_dir absolute, defaulting it to
// $GOLDEN_CACHE_DIR, else the user's cache directory.
func (c *Config) prepareCacheDir() []error {
	if c.CacheDir == "" {
		c.CacheDir = os.Getenv("GOLDEN_CACHE_DIR")
	}
	if c.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return []error{fmt.Errorf("cache_dir has no default here (%w): set cache_dir or GOLDEN_CACHE_DIR", err)}
		}
		c.CacheDir = filepath.Join(dir, "packer-plugin-golden")
	}
	abs, err := filepath.Abs(c.CacheDir)
	if err != nil {
		return []error{fmt.Errorf("cache_dir %q: %w", c.CacheDir, err)}
	}
	c.CacheDir = abs
	return nil
}

// environ returns the environment as NAME=value, sorted by name.
func (c *Config) environ() []string {
	out := make([]string, 0, len(c.Environment))
	for _, name := range slices.Sorted(maps.Keys(c.Environment)) {
		out = append(out, name+"="+c.Environment[name])
	}
	return out
}

// include returns the packages to debootstrap: the base packages and the configured ones.
func (c *Config) include() []string {
	pkgs := slices.Concat(basePackages, c.Include)
	slices.Sort(pkgs)
	return slices.Compact(pkgs)
}

// existing returns the absolute path of a file (dir false) or directory (dir true) that must exist.
func existing(p string, dir bool) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p, err
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil:
		return abs, err
	case dir && !fi.IsDir():
		return abs, fmt.Errorf("%s is not a directory", abs)
	case !dir && fi.IsDir():
		return abs, fmt.Errorf("%s is a directory (rootfs_dir takes a directory)", abs)
	}
	return abs, nil
}

func validHostname(name string) bool {
	if len(name) > 64 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if !hostLabel.MatchString(label) {
			return false
		}
	}
	return true
}
