package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
)

// aptSource is one entry of an APT sources file, reduced to what picking a
// debootstrap mirror needs.
type aptSource struct {
	Types  []string // deb, deb-src
	URIs   []string
	Suites []string
}

// parseDeb822 parses a .sources file (sources.list(5), DEB822-STYLE FORMAT).
func parseDeb822(data string) ([]aptSource, error) {
	var (
		out    []aptSource
		fields = map[string]string{}
		last   string
		start  int
	)
	flush := func() error {
		defer clear(fields)
		if len(fields) == 0 || strings.EqualFold(fields["enabled"], "no") {
			return nil
		}
		src := aptSource{
			Types:  strings.Fields(fields["types"]),
			URIs:   strings.Fields(fields["uris"]),
			Suites: strings.Fields(fields["suites"]),
		}
		switch {
		case len(src.Types) == 0:
			return fmt.Errorf("entry at line %d has no Types", start)
		case len(src.URIs) == 0:
			return fmt.Errorf("entry at line %d has no URIs", start)
		case len(src.Suites) == 0:
			return fmt.Errorf("entry at line %d has no Suites", start)
		}
		for _, t := range src.Types {
			if t != "deb" && t != "deb-src" {
				return fmt.Errorf("entry at line %d: unknown type %q", start, t)
			}
		}
		out = append(out, src)
		return nil
	}
	for i, line := range strings.Split(data, "\n") {
		n, line := i+1, strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return nil, err
			}
			last = ""
		case line[0] == ' ' || line[0] == '\t':
			if last == "" {
				return nil, fmt.Errorf("line %d: continuation line outside a field", n)
			}
			fields[last] += " " + strings.TrimSpace(line)
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok || strings.TrimSpace(name) == "" {
				return nil, fmt.Errorf("line %d: want \"Field: value\", got %q", n, line)
			}
			if len(fields) == 0 {
				start = n
			}
			last = strings.ToLower(strings.TrimSpace(name))
			fields[last] = strings.TrimSpace(value)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// parseOneLine parses a sources.list file (sources.list(5), ONE-LINE-STYLE
// FORMAT): "deb [options] uri suite [component...]".
func parseOneLine(data string) ([]aptSource, error) {
	var out []aptSource
	for n, line := range strings.Split(data, "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		typ, rest := line, ""
		if i := strings.IndexAny(line, " \t["); i >= 0 {
			typ, rest = line[:i], strings.TrimSpace(line[i:])
		}
		if typ != "deb" && typ != "deb-src" {
			return nil, fmt.Errorf("line %d: unknown type %q", n+1, typ)
		}
		if strings.HasPrefix(rest, "[") {
			end := strings.Index(rest, "]")
			if end < 0 {
				return nil, fmt.Errorf("line %d: options \"[\" without \"]\"", n+1)
			}
			rest = rest[end+1:]
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: want \"%s uri suite [component...]\"", n+1, typ)
		}
		out = append(out, aptSource{Types: []string{typ}, URIs: f[:1], Suites: f[1:2]})
	}
	return out, nil
}

// hostMirror picks the Debian mirror for suite from the APT sources under
// fsys (the host's root): the first deb source that lists suite, else the
// first that lists a release rather than its -security or -updates pocket. It
// also returns the file it came from.
func hostMirror(fsys fs.FS, suite string) (mirror, file string, err error) {
	files := []string{"etc/apt/sources.list"}
	for _, pattern := range []string{"etc/apt/sources.list.d/*.list", "etc/apt/sources.list.d/*.sources"} {
		m, _ := fs.Glob(fsys, pattern) // the only error is a bad pattern
		files = append(files, m...)
	}
	var fallback, fallbackFile string
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", "", fmt.Errorf("reading /%s: %w", name, err)
		}
		parse := parseOneLine
		if path.Ext(name) == ".sources" {
			parse = parseDeb822
		}
		sources, err := parse(string(data))
		if err != nil {
			return "", "", fmt.Errorf("parsing /%s: %w (set GOLDEN_DEBIAN_MIRROR to skip it)", name, err)
		}
		for _, s := range sources {
			uri := firstMirrorURI(s)
			if uri == "" {
				continue
			}
			if slices.Contains(s.Suites, suite) {
				return uri, "/" + name, nil
			}
			if fallback == "" && slices.ContainsFunc(s.Suites, isRelease) {
				fallback, fallbackFile = uri, "/"+name
			}
		}
	}
	if fallback == "" {
		return "", "", fmt.Errorf("no Debian mirror for %s in the host's APT sources (/etc/apt/sources.list, /etc/apt/sources.list.d): set GOLDEN_DEBIAN_MIRROR, e.g. to http://deb.debian.org/debian", suite)
	}
	return fallback, fallbackFile, nil
}

// firstMirrorURI returns the first URI of a deb source that debootstrap can
// fetch from, or "".
func firstMirrorURI(s aptSource) string {
	if !slices.Contains(s.Types, "deb") {
		return ""
	}
	for _, u := range s.URIs {
		if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https" || p.Scheme == "file") {
			return strings.TrimRight(u, "/")
		}
	}
	return ""
}

// isRelease reports whether suite names a release (bookworm, stable) rather
// than a pocket of one (bookworm-security) or a path (./).
func isRelease(suite string) bool {
	return suite != "" && !strings.ContainsAny(suite, "-/")
}
