// Command fuzzall runs every fuzz target of the module for a bounded time each,
// so CI exercises the parsers of user and remote input on every run.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
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
		if !fuzz(t, *fuzztime) {
			failed = append(failed, t.Pkg+" "+t.Name)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(os.Stderr, "fuzzall: %d target(s) failed; the failing input is under the package's testdata/fuzz/:\n  %s\n",
			len(failed), strings.Join(failed, "\n  "))
		os.Exit(1)
	}
}

// attempts bounds the runs of one target that end in Go's own deadline race.
const attempts = 3

// fuzz runs one target and reports whether it passed. A run that fails only
// with Go's end-of-fuzztime race is run again, up to attempts times in all.
func fuzz(t target, fuzztime time.Duration) bool {
	for i := 1; ; i++ {
		fmt.Printf("==> %s %s (%s)\n", t.Pkg, t.Name, fuzztime)
		var out bytes.Buffer
		cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+t.Name+"$", "-fuzztime", fuzztime.String(), ".")
		cmd.Dir = t.Dir
		cmd.Stdout = io.MultiWriter(os.Stdout, &out)
		cmd.Stderr = io.MultiWriter(os.Stderr, &out)
		err := cmd.Run()
		if err == nil {
			return true
		}
		if !deadlineRace(out.String()) || i == attempts {
			return false
		}
		fmt.Printf("fuzzall: %s failed only with Go's fuzztime deadline race (go.dev/issue/75804, fixed in Go 1.27), nothing was found; running it again\n", t.Name)
	}
}

// deadlineRace reports whether a failed run's output shows nothing but the
// race in Go 1.26's fuzz coordinator: when -fuzztime expires, a worker's
// cancellation can escape as "context deadline exceeded" and fail the target.
// A real finding writes its input ("Failing input written to") or panics.
func deadlineRace(out string) bool {
	return strings.Contains(out, "--- FAIL: Fuzz") &&
		strings.Contains(out, "\n    context deadline exceeded\n") &&
		!strings.Contains(out, "Failing input written to") &&
		!strings.Contains(out, "panic:")
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
