package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
)

// recipeVersion names the steps that turn debootstrap's output into a cached
// root (finish); change it whenever they change, so old tarballs are not used.
const recipeVersion = 1

// Spec says which Debian root to debootstrap. Zero fields take the defaults.
type Spec struct {
	Suite   string   // "bookworm" by default
	Mirror  string   // $GOLDEN_DEBIAN_MIRROR, else the host's APT sources
	Variant string   // "minbase" by default
	Include []string // nil means openssh-server, sudo and procps
	Arch    string   // the host's Debian architecture by default
}

// debianArch maps GOARCH to Debian's architecture names.
var debianArch = map[string]string{
	"amd64": "amd64", "arm64": "arm64", "386": "i386", "ppc64le": "ppc64el",
	"s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64el", "loong64": "loong64",
}

var debianName = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

const mirrorHelp = "set GOLDEN_DEBIAN_MIRROR (or the mirror option) to a reachable Debian mirror, e.g. http://deb.debian.org/debian"

// resolve fills in the defaults and normalises s, so equal roots get equal
// keys. It also says where the mirror came from, for error messages.
func (s Spec) resolve() (Spec, string, error) {
	origin := "the configuration"
	s.Include = slices.Clone(s.Include)
	if s.Suite == "" {
		s.Suite = "bookworm"
	}
	if s.Variant == "" {
		s.Variant = "minbase"
	}
	if s.Include == nil {
		s.Include = []string{"openssh-server", "sudo", "procps"}
	}
	if s.Arch == "" {
		s.Arch = debianArch[runtime.GOARCH]
		if s.Arch == "" {
			return Spec{}, "", fmt.Errorf("no Debian architecture known for GOARCH %s: set the architecture", runtime.GOARCH)
		}
	}
	if s.Mirror == "" {
		s.Mirror, origin = os.Getenv("GOLDEN_DEBIAN_MIRROR"), "GOLDEN_DEBIAN_MIRROR"
	}
	if s.Mirror == "" {
		var err error
		if s.Mirror, origin, err = hostMirror(os.DirFS("/"), s.Suite); err != nil {
			return Spec{}, "", err
		}
	}
	s.Mirror = strings.TrimRight(s.Mirror, "/")
	if u, err := url.Parse(s.Mirror); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") || strings.ContainsAny(s.Mirror, " \t\n") {
		return Spec{}, "", fmt.Errorf("debian mirror %q (%s) is not an http, https or file URL: %s", s.Mirror, origin, mirrorHelp)
	}
	for _, f := range [][2]string{{"suite", s.Suite}, {"variant", s.Variant}, {"architecture", s.Arch}} {
		if !debianName.MatchString(f[1]) {
			return Spec{}, "", fmt.Errorf("debootstrap %s %q is not a Debian name (lowercase letters, digits, . + -)", f[0], f[1])
		}
	}
	slices.Sort(s.Include)
	s.Include = slices.Compact(s.Include)
	for _, p := range s.Include {
		if !debianName.MatchString(p) {
			return Spec{}, "", fmt.Errorf("debootstrap include %q is not a Debian package name", p)
		}
	}
	return s, origin, nil
}

// key names the cached tarball of a resolved Spec: a sha256 of every input.
func (s Spec) key() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "recipe=%d\nsuite=%s\nmirror=%s\nvariant=%s\ninclude=%s\narch=%s\n",
		recipeVersion, s.Suite, s.Mirror, s.Variant, strings.Join(s.Include, ","), s.Arch))
	return hex.EncodeToString(sum[:])
}
