// Command benchdoc writes docs/benchmarks.md from the results `make bench`
// collects in one folder:
//
//	benchdoc machine -dir DIR                # first: the machine and its load now (machine.json)
//	benchdoc render -dir DIR -out FILE       # last: the document, from every result in DIR
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/benchdoc"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: benchdoc machine -dir DIR | benchdoc render -dir DIR -out FILE")
	}
	fl := flag.NewFlagSet("benchdoc "+args[0], flag.ContinueOnError)
	dir := fl.String("dir", "", "the folder of results")
	out := fl.String("out", "docs/benchmarks.md", "render: the document to write")
	if err := fl.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("-dir is required")
	}
	switch args[0] {
	case "machine":
		m, err := describeMachine()
		if err != nil {
			return err
		}
		return writeJSON(filepath.Join(*dir, benchdoc.MachineFile), m)
	case "render":
		in, err := readInputs(*dir)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, []byte(benchdoc.Render(in)), 0o644); err != nil {
			return err
		}
		for _, v := range in.Verdicts() {
			fmt.Println(v)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q: use machine or render", args[0])
}

// readInputs reads the results in dir; only machine.json must be there.
func readInputs(dir string) (benchdoc.Inputs, error) {
	var in benchdoc.Inputs
	if err := readJSON(filepath.Join(dir, benchdoc.MachineFile), &in.Machine); err != nil {
		return in, fmt.Errorf("%w: run benchdoc machine first", err)
	}
	var pipe benchdoc.Pipeline
	switch err := readJSON(filepath.Join(dir, benchdoc.PipelineFile), &pipe); {
	case err == nil:
		in.Pipeline = &pipe
	case !errors.Is(err, fs.ErrNotExist):
		return in, err
	}
	var harden benchdoc.Harden
	switch err := readJSON(filepath.Join(dir, benchdoc.HardenFile), &harden); {
	case err == nil:
		in.Harden = &harden
	case !errors.Is(err, fs.ErrNotExist):
		return in, err
	}
	for name, dst := range map[string]*[]benchdoc.GoBench{benchdoc.ProvenanceFile: &in.Provenance, benchdoc.ECDSAFile: &in.ECDSA} {
		switch text, err := os.ReadFile(filepath.Join(dir, name)); {
		case err == nil:
			*dst = benchdoc.ParseGoBench(string(text))
		case !errors.Is(err, fs.ErrNotExist):
			return in, err
		}
	}
	in.Elapsed = time.Since(in.Machine.Started)
	load, err := loadAverage()
	if err != nil {
		return in, err
	}
	in.LoadEnd = load
	return in, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
