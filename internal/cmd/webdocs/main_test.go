package main

import "testing"

func TestStripFrontMatter(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "# Title\n", "# Title\n"},
		{"front matter", "---\npage_title: x\n---\n\n# Title\n", "# Title\n"},
		{"unterminated", "---\npage_title: x\n# Title\n", "---\npage_title: x\n# Title\n"},
		{"rule later", "# Title\n---\n", "# Title\n---\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(stripFrontMatter([]byte(tt.in))); got != tt.want {
				t.Errorf("stripFrontMatter(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
