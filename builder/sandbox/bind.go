package sandbox

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// bindMount is one entry of bind_mounts: a host path mounted into the sandbox.
type bindMount struct {
	Source   string // a host path
	Target   string // a clean absolute path inside the sandbox
	Writable bool
}

// reservedTargets are mounted by the sandbox itself; a bind mount there would
// hide them, or undo the read-only /proc/sys that keeps the host's kernel safe.
var reservedTargets = []string{"/proc", "/sys", "/dev"}

const bindSyntax = "want SOURCE:TARGET, SOURCE:TARGET:ro or SOURCE:TARGET:rw"

// parseBindMount parses SOURCE:TARGET[:ro|rw]. Paths holding ':' cannot be
// written in this form and are refused.
func parseBindMount(spec string) (bindMount, error) {
	if strings.ContainsRune(spec, 0) {
		return bindMount{}, fmt.Errorf("bind mount %q holds a NUL byte", spec)
	}
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bindMount{}, fmt.Errorf("bind mount %q: %s (paths holding ':' cannot be mounted)", spec, bindSyntax)
	}
	b := bindMount{Source: parts[0], Target: parts[1]}
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
		case "rw":
			b.Writable = true
		default:
			return bindMount{}, fmt.Errorf("bind mount %q: mode %q: %s", spec, parts[2], bindSyntax)
		}
	}
	if b.Source == "" {
		return bindMount{}, fmt.Errorf("bind mount %q has no source: %s", spec, bindSyntax)
	}
	if err := checkTarget(b.Target); err != nil {
		return bindMount{}, fmt.Errorf("bind mount %q: %w", spec, err)
	}
	return b, nil
}

func checkTarget(t string) error {
	if !path.IsAbs(t) || path.Clean(t) != t || t == "/" {
		return fmt.Errorf("target %q: want a clean absolute path below / inside the sandbox, such as /mnt/data", t)
	}
	for _, r := range reservedTargets {
		if t == r || strings.HasPrefix(t, r+"/") {
			return fmt.Errorf("target %s is inside %s, which the sandbox mounts itself: choose another target", t, r)
		}
	}
	return nil
}

// String is the canonical form of b, which parseBindMount reads back.
func (b bindMount) String() string {
	mode := "ro"
	if b.Writable {
		mode = "rw"
	}
	return b.Source + ":" + b.Target + ":" + mode
}

// prepareBindMounts checks each bind mount, makes its source absolute and
// refuses two mounts on one target.
func (c *Config) prepareBindMounts() []error {
	var errs []error
	targets := map[string]bool{}
	for i, spec := range c.BindMounts {
		b, err := parseBindMount(spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("bind_mounts[%d]: %w", i, err))
			continue
		}
		if b.Source, err = filepath.Abs(b.Source); err == nil {
			_, err = os.Stat(b.Source)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("bind_mounts[%d]: source: %w: create it or correct the path", i, err))
			continue
		}
		if targets[b.Target] {
			errs = append(errs, fmt.Errorf("bind_mounts[%d]: a bind mount on %s is already listed: keep one", i, b.Target))
		}
		targets[b.Target] = true
		c.BindMounts[i] = b.String()
	}
	return errs
}

// bindMounts returns the parsed bind mounts of a prepared Config.
func (c *Config) bindMounts() []bindMount {
	out := make([]bindMount, 0, len(c.BindMounts))
	for _, spec := range c.BindMounts {
		if b, err := parseBindMount(spec); err == nil { // Prepare checked them all
			out = append(out, b)
		}
	}
	return out
}
