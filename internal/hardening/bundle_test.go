package hardening

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// unpack splits a bundle into its header and the files of its tar.
func unpack(t *testing.T, b Bundle) (string, map[string]string, map[string]int64) {
	t.Helper()
	m := regexp.MustCompile(`tail -c \+(\d+) `).FindSubmatch(b.Data)
	if m == nil {
		t.Fatal("the header has no tail -c +OFFSET")
	}
	offset, _ := strconv.Atoi(string(m[1]))
	header := string(b.Data[:offset-1])
	tr := tar.NewReader(bytes.NewReader(b.Data[offset-1:]))
	files, modes := map[string]string{}, map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the payload is not a tar at offset %d: %v", offset, err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name], modes[h.Name] = string(data), h.Mode
	}
	return header, files, modes
}

func TestBundle(t *testing.T) {
	plan := fixturePlan(t)
	b, err := plan.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b.Data)
	if want := "golden-harden-" + hex.EncodeToString(sum[:]) + ".sh"; b.Name != want {
		t.Errorf("name %s, want %s", b.Name, want)
	}
	header, files, modes := unpack(t, b)
	if !strings.HasPrefix(header, "#!/bin/sh\n") || !strings.Contains(header, "marker='"+b.Marker+"'") || !strings.HasSuffix(header, "exit 3\n") {
		t.Errorf("header:\n%s", header)
	}
	wantModes := map[string]int64{"scripts/": 0o700, "tmp/": 0o700}
	for _, n := range []string{"run.sh", "lib.sh", "rules.sh", "env.sh", "plan", "SHA256SUMS", "scripts/001", "scripts/002"} {
		wantModes[n] = 0o600
	}
	if diff := cmp.Diff(wantModes, modes); diff != "" {
		t.Errorf("files and modes (-want +got):\n%s", diff)
	}
	golden(t, "plan.txt", []byte(files["plan"]))
	if want := "TOKEN='it'\\''s secret'\n"; !strings.HasSuffix(files["env.sh"], want) {
		t.Errorf("env.sh:\n%s\nwant it to end with %q", files["env.sh"], want)
	}
	for _, line := range strings.Split(strings.TrimSpace(files["SHA256SUMS"]), "\n") {
		digest, name, _ := strings.Cut(line, "  ")
		s := sha256.Sum256([]byte(files[name]))
		if hex.EncodeToString(s[:]) != digest {
			t.Errorf("SHA256SUMS: %s does not match", name)
		}
	}
	if b.Scripts[0].Name != "scripts/install.sh" || b.Scripts[0].SHA256 != sha256Hex(plan.Scripts[0].Content) {
		t.Errorf("script digests %+v", b.Scripts)
	}
	if b.RuleSet.SHA256 != sha256Hex([]byte(files["rules.sh"])) || b.RuleSet.Rules != 6 {
		t.Errorf("rule set digest %+v", b.RuleSet)
	}
	if strings.Contains(string(b.Data[:len(header)]), "secret") {
		t.Error("the secret is in the header")
	}

	plan.ScriptsFirst = true
	b2, err := plan.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	_, files2, _ := unpack(t, b2)
	if !strings.HasPrefix(strings.SplitN(files2["plan"], "\n", 3)[2], "script\t1\t") {
		t.Errorf("scripts_first plan:\n%s", files2["plan"])
	}
}

func TestBundleIsDeterministic(t *testing.T) {
	a, err := fixturePlan(t).Bundle()
	if err != nil {
		t.Fatal(err)
	}
	b, err := fixturePlan(t).Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != b.Name {
		t.Errorf("the same plan made %s and %s", a.Name, b.Name)
	}
}

func TestBundleRejects(t *testing.T) {
	for name, edit := range map[string]func(*Plan){
		"short run id":      func(p *Plan) { p.RunID = "abc" },
		"bad mode":          func(p *Plan) { p.Mode = "fix" },
		"bad variable name": func(p *Plan) { p.Env = []EnvVar{{Name: "A-B", Value: "x"}} },
	} {
		t.Run(name, func(t *testing.T) {
			p := fixturePlan(t)
			edit(&p)
			if _, err := p.Bundle(); err == nil {
				t.Error("Bundle accepted it")
			}
		})
	}
}

func TestBootstrapOffset(t *testing.T) {
	for _, marker := range []string{"m", strings.Repeat("x", 5000)} {
		h := bootstrapHeader(marker)
		m := regexp.MustCompile(`tail -c \+(\d+) `).FindStringSubmatch(h)
		if m == nil || m[1] != fmt.Sprint(len(h)+1) {
			t.Errorf("offset %v for a header of %d bytes", m, len(h))
		}
	}
}

// TestShellcheck lints every shell file the baseline bundle holds.
func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not installed: run `make tools` (it installs it from Debian) or apt-get install shellcheck")
	}
	sel, err := Default().Select(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := (Plan{RunID: fixtureRunID, Mode: ModeEnforce, Selected: sel, Env: []EnvVar{{Name: "A", Value: "b"}}}).Bundle()
	if err != nil {
		t.Fatal(err)
	}
	header, files, _ := unpack(t, b)
	dir := t.TempDir()
	files["bootstrap.sh"] = header
	var names []string
	for name, data := range files {
		if strings.HasSuffix(name, ".sh") {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
	}
	// rules.sh is linted with lib.sh before it, as run.sh sources them.
	combined := files["lib.sh"] + "\n" + files["rules.sh"]
	if err := os.WriteFile(filepath.Join(dir, "lib-rules.sh"), []byte("# shellcheck shell=sh\n"+combined), 0o644); err != nil {
		t.Fatal(err)
	}
	names = append(names, "lib-rules.sh")
	cmd := exec.Command("shellcheck", append([]string{"-x", "-s", "sh"}, names...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
