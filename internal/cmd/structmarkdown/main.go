// Command structmarkdown runs `go tool packer-sdc struct-markdown` on the file
// go generate names ($GOFILE). struct-markdown finds the project root by a folder
// named packer-plugin-*, and loops forever when the checkout is named otherwise
// (packer-plugin-sdk v0.6.10); so, in such a checkout, it runs through a
// temporary link of that name to the module root.
//
//	//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const linkName = "packer-plugin-golden"

func main() {
	if err := run(os.Getenv("GOFILE")); err != nil {
		fmt.Fprintln(os.Stderr, "structmarkdown:", err)
		os.Exit(1)
	}
}

func run(gofile string) error {
	if gofile == "" {
		return fmt.Errorf("GOFILE is not set: run me from a //go:generate line")
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := moduleRoot(dir)
	if err != nil {
		return err
	}
	if strings.HasPrefix(filepath.Base(root), "packer-plugin-") {
		return structMarkdown(dir, filepath.Join(dir, gofile))
	}
	tmp, err := os.MkdirTemp("", "structmarkdown-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	link := filepath.Join(tmp, linkName)
	if err := os.Symlink(root, link); err != nil {
		return err
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return err
	}
	linked := filepath.Join(link, rel)
	return structMarkdown(linked, filepath.Join(linked, gofile))
}

// structMarkdown runs packer-sdc from the module, so its pinned tool version applies.
func structMarkdown(dir, file string) error {
	cmd := exec.Command("go", "tool", "packer-sdc", "struct-markdown", file)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("packer-sdc struct-markdown %s: %w", filepath.Base(file), err)
	}
	return nil
}

// moduleRoot walks up from dir to the folder holding go.mod.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}
