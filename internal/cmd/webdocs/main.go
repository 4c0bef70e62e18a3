// Command webdocs lays out docs rendered by `packer-sdc renderdocs` the way the
// Packer integrations site reads them: .web-docs/README.md and
// .web-docs/components/<type>/<name>/README.md, front matter removed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// componentTypes maps the docs/ folder of a component kind to its integration type.
var componentTypes = map[string]string{
	"builders":        "builder",
	"provisioners":    "provisioner",
	"post-processors": "post-processor",
	"datasources":     "data-source",
}

func main() {
	src := flag.String("src", ".docs", "docs rendered by packer-sdc renderdocs")
	dst := flag.String("dst", ".web-docs", "the .web-docs folder")
	readme := flag.String("readme", "docs/README.md", "the plugin's main docs page")
	flag.Parse()
	if err := run(*src, *dst, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "webdocs:", err)
		os.Exit(1)
	}
}

func run(src, dst, readme string) error {
	if err := os.RemoveAll(filepath.Join(dst, "components")); err != nil {
		return err
	}
	if err := copyPage(readme, filepath.Join(dst, "README.md")); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		kind, file, ok := strings.Cut(filepath.ToSlash(rel), "/")
		typ, known := componentTypes[kind]
		if !ok || !known {
			return nil
		}
		name := strings.TrimSuffix(file, filepath.Ext(file))
		return copyPage(path, filepath.Join(dst, "components", typ, name, "README.md"))
	})
}

func copyPage(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("reading %s: %w", from, err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, stripFrontMatter(b), 0o644)
}

// stripFrontMatter drops a leading "---" YAML block, which the site does not want.
func stripFrontMatter(b []byte) []byte {
	rest, ok := bytes.CutPrefix(b, []byte("---\n"))
	if !ok {
		return b
	}
	_, body, found := bytes.Cut(rest, []byte("\n---\n"))
	if !found {
		return b
	}
	return bytes.TrimLeft(body, "\n")
}
