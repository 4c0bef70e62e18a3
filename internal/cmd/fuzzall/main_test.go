package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFuzzNames(t *testing.T) {
	got, err := fuzzNames("testdata/sample.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FuzzParse", "FuzzOther"}, got); diff != "" {
		t.Errorf("fuzzNames (-want +got):\n%s", diff)
	}
}
