package sandbox

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNeedTools(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "tar"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	tests := []struct {
		tools []string
		want  string
	}{
		{tools: []string{"tar"}},
		{tools: []string{"debootstrap", "tar", "zstd"}, want: "debootstrap, zstd not found in PATH: install with `apt-get install debootstrap zstd`"},
		{tools: []string{"unshare", "nsenter", "ip"}, want: "unshare, nsenter, ip not found in PATH: install with `apt-get install util-linux iproute2`"},
	}
	for _, tt := range tests {
		got := ""
		if err := needTools(tt.tools...); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("needTools(%q) = %q, want %q", tt.tools, got, tt.want)
		}
	}
}
