// Command fuzzall runs every fuzz target of the module for a bounded time each,
// so CI exercises the parsers of user and remote input on every run.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// target is one fuzz function in one package.
type target struct{ Pkg, Dir, Name string }

var fuzzFunc = regexp.MustCompile(`^func (Fuzz\w*)\(\w+ \*testing\.F\)`)

func main() {
	fuzztime := flag.Duration("fuzztime", 10*time.Second, "how long to fuzz each target")
	list := flag.Bool("list", false, "list the targets and exit")
	flag.Parse()
	targets, err := findTargets()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fuzzall:", err)
		os.Exit(1)
	}
	var failed []string
	for _, t := range targets {
		if *list {
			fmt.Printf("%s %s\n", t.Pkg, t.Name)
			continue
		}
		fmt.Printf("==> %s %s (%s)\n", t.Pkg, t.Name, *fuzztime)
		cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+t.Name+"$", "-fuzztime", fuzztime.String(), ".")
		cmd.Dir = t.Dir
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			failed = append(failed, t.Pkg+" "+t.Name)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(os.Stderr, "fuzzall: %d target(s) failed; the failing input is under the package's testdata/fuzz/:\n  %s\n",
			len(failed), strings.Join(failed, "\n  "))
		os.Exit(1)
	}
}

// findTargets lists the fuzz functions in the module's test files, sorted.
func findTargets() ([]target, error) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}}{{range .TestGoFiles}} {{.}}{{end}}{{range .XTestGoFiles}} {{.}}{{end}}", "./...").Output()
	if err != nil {
		return nil, fmt.Errorf("listing packages: %w", err)
	}
	var targets []target
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		for _, file := range f[2:] {
			names, err := fuzzNames(filepath.Join(f[1], file))
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				targets = append(targets, target{Pkg: f[0], Dir: f[1], Name: n})
			}
		}
	}
	sort.Slice(targets, func(i, j int) bool {
		if targets[i].Pkg != targets[j].Pkg {
			return targets[i].Pkg < targets[j].Pkg
		}
		return targets[i].Name < targets[j].Name
	})
	return targets, nil
}

func fuzzNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := fuzzFunc.FindStringSubmatch(sc.Text()); m != nil {
			names = append(names, m[1])
		}
	}
	return names, sc.Err()
}
