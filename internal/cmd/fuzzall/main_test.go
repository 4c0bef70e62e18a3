package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFuzzNames(t *testing.T) {
	src := `package x

func FuzzParse(f *testing.F) {}
func FuzzOther(ff *testing.F) {
func TestParse(t *testing.T) {}
func fuzzHelper(f *testing.F) {}
// func FuzzCommented(f *testing.F) {}
func BenchmarkFuzz(b *testing.B) {}
`
	path := filepath.Join(t.TempDir(), "x_test.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := fuzzNames(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FuzzParse", "FuzzOther"}, got); diff != "" {
		t.Errorf("fuzzNames (-want +got):\n%s", diff)
	}
}
