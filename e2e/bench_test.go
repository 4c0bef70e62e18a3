package e2e

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks' results go into one folder, which internal/cmd/benchdoc
// turns into docs/benchmarks.md (make bench).
var benchOut = flag.String("bench.out", "", "folder to write the benchmarks' results (JSON) into, for internal/cmd/benchdoc")

// writeBenchResult writes v as JSON to name in the -bench.out folder, if one is set.
func writeBenchResult(tb testing.TB, name string, v any) {
	tb.Helper()
	if *benchOut == "" {
		return
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(*benchOut, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*benchOut, name), append(data, '\n'), 0o644); err != nil {
		tb.Fatal(err)
	}
}
