package hardening

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	//go:embed sh/bootstrap.sh
	bootstrapSh string
	//go:embed sh/run.sh
	runSh string
	//go:embed sh/lib.sh
	libSh string
)

// Script is a user script, run after (or before) the rules.
type Script struct {
	Name    string // as the report shows it: the configured path, or "inline"
	Content []byte
}

// EnvVar is a variable the user's scripts see. Its value travels only inside
// the uploaded bundle (mode 0600, in a 0700 directory), never on a command line.
type EnvVar struct {
	Name  string
	Value string
}

// Plan is everything one run of the runner needs.
type Plan struct {
	RunID          string // NewRunID: names the stream marker and the report
	Mode           Mode
	Selected       Selected
	Scripts        []Script
	ScriptsFirst   bool
	Env            []EnvVar
	ValidExitCodes []int
	SCAP           *SCAP // nil: no scap block
}

// Bundle is the single file uploaded to the machine.
type Bundle struct {
	Data    []byte
	Name    string // golden-harden-SHA256.sh: the runner refuses to run if the digest differs
	Marker  string // prefixes the runner's records on stdout
	RuleSet Digest // rules.sh: the selected rules' code and every parameter's value
	Runner  Digest // run.sh and lib.sh
	Scripts []Digest
}

// Digest is the sha256 of something that ran.
type Digest struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Rules  int    `json:"rules,omitempty"`
}

var (
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	runID   = regexp.MustCompile(`^[0-9a-f]{16,64}$`)
)

// NewRunID returns a fresh random run id: 32 hex digits.
func NewRunID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}

// Paths says where a bundle lives on the machine, under the user's remote_dir.
type Paths struct {
	Bundle string // the uploaded file
	Work   string // the 0700 directory it unpacks into
}

// Paths returns the remote paths of b under dir.
func (b Bundle) Paths(dir string) Paths {
	file := path.Join(dir, b.Name)
	work := strings.TrimSuffix(file, ".sh")
	return Paths{Bundle: file, Work: work}
}

// Bundle builds the file to upload: bootstrap.sh, then a tar of the runner,
// lib.sh, rules.sh, the plan, env.sh, the scripts and their SHA256SUMS.
func (p Plan) Bundle() (Bundle, error) {
	if !runID.MatchString(p.RunID) {
		return Bundle{}, fmt.Errorf("run id %q: want 16 to 64 lowercase hex digits", p.RunID)
	}
	if p.Mode != ModeEnforce && p.Mode != ModeAudit {
		return Bundle{}, fmt.Errorf("%w %q", ErrBadMode, p.Mode)
	}
	for _, v := range p.Env {
		if !envName.MatchString(v.Name) {
			return Bundle{}, fmt.Errorf("environment variable name %q: use letters, digits and underscores, not starting with a digit", v.Name)
		}
	}
	if p.SCAP != nil {
		if err := p.SCAP.Validate(); err != nil {
			return Bundle{}, err
		}
		if p.SCAP.Remediate && p.Mode == ModeAudit {
			return Bundle{}, fmt.Errorf("scap: %w", ErrSCAPRemediateAudit)
		}
	}
	valid := p.ValidExitCodes
	if len(valid) == 0 {
		valid = []int{0}
	}
	files := map[string][]byte{
		"run.sh":   []byte(runSh),
		"lib.sh":   []byte(libSh),
		"rules.sh": RulesScript(p.Selected),
		"env.sh":   envScript(p.Env),
	}
	b := Bundle{
		Marker:  "::golden-harden:" + p.RunID[:16] + "::",
		RuleSet: Digest{Name: "golden-harden/" + p.Selected.Profile, SHA256: sha256Hex(files["rules.sh"]), Rules: len(p.Selected.Rules)},
		Runner:  Digest{Name: "golden-harden/runner", SHA256: sha256Hex([]byte(runSh + libSh))},
	}
	var plan strings.Builder
	fmt.Fprintf(&plan, "run\t%s\t%s\n", p.RunID, p.Mode)
	codes := make([]string, len(valid))
	for i, c := range valid {
		codes[i] = strconv.Itoa(c)
	}
	fmt.Fprintf(&plan, "valid\t%s\n", strings.Join(codes, " "))
	rules := func() {
		for _, r := range p.Selected.Rules {
			fmt.Fprintf(&plan, "rule\t%s\t%s\t%s\n", r.ID, shellName(r.ID), strings.Join(r.OSFamilies, ","))
		}
	}
	scripts := func() {
		for i, s := range p.Scripts {
			name := fmt.Sprintf("scripts/%03d", i+1)
			sum := sha256Hex(s.Content)
			files[name] = s.Content
			b.Scripts = append(b.Scripts, Digest{Name: s.Name, SHA256: sum})
			fmt.Fprintf(&plan, "script\t%d\t%s\t%s\n", i+1, name, sum)
		}
	}
	if p.ScriptsFirst {
		scripts()
		rules()
	} else {
		rules()
		scripts()
	}
	if s := p.SCAP; s != nil { // last: it judges the final state
		remediate := 0
		if s.Remediate {
			remediate = 1
		}
		fmt.Fprintf(&plan, "scap\t%s\t%s\t%d\n", s.Datastream, s.Profile, remediate)
	}
	files["plan"] = []byte(plan.String())

	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	var sums strings.Builder
	for _, n := range names {
		fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(files[n]), n)
	}
	files["SHA256SUMS"] = []byte(sums.String())
	names = append(names, "SHA256SUMS")

	payload, err := tarball(names, files)
	if err != nil {
		return Bundle{}, err
	}
	header := bootstrapHeader(b.Marker)
	b.Data = append([]byte(header), payload...)
	b.Name = "golden-harden-" + sha256Hex(b.Data) + ".sh"
	return b, nil
}

// bootstrapHeader fills in bootstrap.sh: the marker and the 1-based offset of
// the tar after it, which depends on its own number of digits.
func bootstrapHeader(marker string) string {
	h := strings.ReplaceAll(bootstrapSh, "@MARKER@", marker)
	for digits := 1; ; digits++ {
		offset := len(h) - len("@OFFSET@") + digits + 1
		if s := strconv.Itoa(offset); len(s) == digits {
			return strings.ReplaceAll(h, "@OFFSET@", s)
		}
	}
}

// tarEpoch stamps every file of the bundle, so equal plans make equal bundles.
var tarEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func tarball(names []string, files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, dir := range []string{"scripts/", "tmp/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o700, ModTime: tarEpoch, Uname: "root", Gname: "root"}); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		data := files[n]
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o600, Size: int64(len(data)), ModTime: tarEpoch, Uname: "root", Gname: "root"}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RulesScript is rules.sh: every parameter as a shell variable, then a check_ID
// and a fix_ID function per selected rule.
func RulesScript(sel Selected) []byte {
	var b strings.Builder
	b.WriteString("# shellcheck shell=sh disable=SC2034 # parameters are read by some rules only\n")
	fmt.Fprintf(&b, "# golden-harden rule set %q, generated from the catalogue: %d rules.\n", sel.Profile, len(sel.Rules))
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range sel.Params {
			if !yield(n) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "%s=%s\n", name, shellQuote(sel.Params[name]))
	}
	for _, r := range sel.Rules {
		fn := shellName(r.ID)
		fmt.Fprintf(&b, "\n# %s: %s\ncheck_%s() {\n%s\n}\n", r.ID, r.Title, fn, strings.TrimRight(r.Check, "\n"))
		fix := strings.TrimRight(r.Fix, "\n")
		if strings.TrimSpace(fix) == "" {
			fix = "manual " + shellQuote("golden-harden has no automatic fix for "+r.ID+": see its rationale")
		}
		fmt.Fprintf(&b, "fix_%s() {\n%s\n}\n", fn, fix)
	}
	return []byte(b.String())
}

func envScript(env []EnvVar) []byte {
	var b strings.Builder
	b.WriteString("# shellcheck shell=sh disable=SC2034 # the scripts read them: run.sh sources this with set -a\n# The user's environment_vars: they travel in the bundle only, never on a command line.\n")
	for _, v := range env {
		fmt.Fprintf(&b, "%s=%s\n", v.Name, shellQuote(v.Value))
	}
	return []byte(b.String())
}

// shellName turns a rule id into the suffix of its shell functions.
func shellName(id string) string { return strings.ReplaceAll(id, "-", "_") }

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
