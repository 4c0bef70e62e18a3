package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/goldenami/packer-plugin-golden"

// pure packages hold logic only: no Packer SDK, no AWS SDK (DESIGN.md, rules of the house).
var pure = []string{"internal/benchdoc", "internal/family", "internal/hardening", "internal/iampolicy", "internal/kmsref", "internal/provenance", "internal/tagpolicy"}

// componentRoots are the folders whose packages are Packer components; components never import each other.
var componentRoots = []string{"builder/", "provisioner/", "post-processor/", "datasource/"}

// rigOnly packages are for tests and the rig command, never for the plugin binary.
var rigOnly = []string{"internal/awstest", "internal/benchdoc", "internal/rigpath", "internal/sandbox/sandboxtest", "internal/cmd/"}

func TestArchitecture(t *testing.T) {
	for _, v := range violations(listDeps(t)) {
		t.Error(v)
	}
}

func TestViolations(t *testing.T) {
	deps := map[string][]string{
		".":                   {"post-processor/seal", "internal/awstest"},
		"post-processor/seal": {"internal/imagecopy", "provisioner/harden"},
		"provisioner/harden":  {"internal/hardening"},
		"internal/hardening":  {"github.com/aws/aws-sdk-go-v2/aws"},
		"internal/imagecopy":  {"github.com/aws/aws-sdk-go-v2/aws"},
	}
	pure := []string{"internal/hardening", "internal/tagpolicy"}
	got := violationsOf(deps, pure)
	want := []string{
		"pure package internal/hardening depends on github.com/aws/aws-sdk-go-v2/aws: move that code to a component or internal/awsconfig",
		"pure package internal/tagpolicy does not exist: remove it from the list in architecture_test.go",
		"component post-processor/seal imports component provisioner/harden: share code through internal/ instead",
		"the plugin binary depends on internal/awstest, which is for tests and the rig only",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func violations(deps map[string][]string) []string { return violationsOf(deps, pure) }

func violationsOf(deps map[string][]string, pure []string) []string {
	var out []string
	for _, p := range pure {
		d, ok := deps[p]
		if !ok {
			out = append(out, fmt.Sprintf("pure package %s does not exist: remove it from the list in architecture_test.go", p))
			continue
		}
		for _, dep := range d {
			if strings.HasPrefix(dep, "github.com/hashicorp/packer-plugin-sdk") || strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2") {
				out = append(out, fmt.Sprintf("pure package %s depends on %s: move that code to a component or internal/awsconfig", p, dep))
			}
		}
	}
	pkgs := make([]string, 0, len(deps))
	for pkg := range deps {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		own := componentOf(pkg)
		if own == "" {
			continue
		}
		for _, dep := range deps[pkg] {
			if other := componentOf(dep); other != "" && other != own {
				out = append(out, fmt.Sprintf("component %s imports component %s: share code through internal/ instead", pkg, dep))
			}
		}
	}
	for _, dep := range deps["."] {
		for _, r := range rigOnly {
			if strings.HasPrefix(dep, r) {
				out = append(out, fmt.Sprintf("the plugin binary depends on %s, which is for tests and the rig only", dep))
			}
		}
	}
	return out
}

// componentOf names the component folder a package belongs to, "" when it is none.
func componentOf(pkg string) string {
	for _, root := range componentRoots {
		if rest, ok := strings.CutPrefix(pkg, root); ok {
			name, _, _ := strings.Cut(rest, "/")
			return root + name
		}
	}
	return ""
}

// listDeps maps each package of the module (relative path, "." for the root) to its
// transitive non-test dependencies, with the module's own packages made relative too.
func listDeps(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for i := range f {
			f[i] = relative(f[i])
		}
		deps[f[0]] = f[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return deps
}

func relative(pkg string) string {
	if pkg == module {
		return "."
	}
	if rest, ok := strings.CutPrefix(pkg, module+"/"); ok {
		return rest
	}
	return pkg
}

func TestComponentOf(t *testing.T) {
	tests := map[string]string{
		"post-processor/seal":          "post-processor/seal",
		"post-processor/seal/internal": "post-processor/seal",
		"internal/imagecopy":           "",
		"builder/sandbox":              "builder/sandbox",
		".":                            "",
	}
	for in, want := range tests {
		if got := componentOf(in); got != want {
			t.Errorf("componentOf(%q) = %q, want %q", in, got, want)
		}
	}
}
