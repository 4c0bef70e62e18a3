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

func TestDeadlineRace(t *testing.T) {
	tests := []struct {
		name, out string
		want      bool
	}{
		{"the race, as CI printed it", "fuzz: elapsed: 6s, execs: 33044 (0/sec), new interesting: 3 (total: 50)\n--- FAIL: FuzzParseImageARN (6.03s)\n    context deadline exceeded\nFAIL\nexit status 1\n", true},
		{"a finding", "--- FAIL: FuzzParse (0.20s)\n    --- FAIL: FuzzParse (0.00s)\n        x_test.go:9: bad\n\n    Failing input written to testdata/fuzz/FuzzParse/3f2a\n    To re-run:\n    go test -run=FuzzParse/3f2a\nFAIL\n", false},
		{"a panic", "--- FAIL: FuzzParse (0.10s)\n    --- FAIL: FuzzParse (0.00s)\n        testing.go:1: panic: index out of range\n    context deadline exceeded\nFAIL\n", false},
		{"a finding and the race", "--- FAIL: FuzzParse (6.00s)\n    context deadline exceeded\n    Failing input written to testdata/fuzz/FuzzParse/1\n", false},
		{"a build failure", "# pkg\n./x_test.go:3:1: syntax error\nFAIL\tpkg [build failed]\n", false},
		{"the deadline text elsewhere", "--- FAIL: FuzzParse (0.00s)\n        x_test.go:9: dial: context deadline exceeded: bad\nFAIL\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deadlineRace(tt.out); got != tt.want {
				t.Errorf("deadlineRace = %v, want %v", got, tt.want)
			}
		})
	}
}
