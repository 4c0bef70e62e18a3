package harden

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

const testMarker = "::golden-harden:0123456789abcdef::"

func TestStream(t *testing.T) {
	out := &syncBuffer{}
	s := newStream(&packersdk.BasicUi{Writer: out, ErrorWriter: out}, testMarker, []string{"a.sh"})
	b64 := base64.StdEncoding.EncodeToString
	input := testMarker + " begin\trule\tx\n" +
		testMarker + " rule\tx\tfail\tfixed\t3\t\t\n" +
		testMarker + " begin\tscript\t1\n" +
		"plain output, split" + "\r\n" +
		testMarker + " rule\tbroken\n" +
		testMarker + " fatal\t" + b64([]byte("gone")) + "\n" +
		testMarker + " end\tok\t9\n"
	// Written in small pieces, as a network delivers it.
	for len(input) > 0 {
		n := min(7, len(input))
		if _, err := s.Write([]byte(input[:n])); err != nil {
			t.Fatal(err)
		}
		input = input[n:]
	}
	want := []string{
		"fail → fixed x",
		"golden-harden: running script 1: a.sh",
		"plain output, split",
		`golden-harden: malformed record "rule\tbroken": 2 fields, want 7`,
		"golden-harden: gone",
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		got = append(got, strings.Join(strings.Fields(line), " "))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UI lines (-want +got):\n%s", diff)
	}
	select {
	case <-s.ended:
	default:
		t.Error("the end record did not end the stream")
	}
	if err := s.failure(1); err == nil || err.Error() != "gone" {
		t.Errorf("failure: %v", err)
	}
}

func FuzzStream(f *testing.F) {
	f.Add([]byte(testMarker + " end\tok\t1\n"))
	f.Add([]byte(testMarker + " begin\tscript\t99\nx\r\n" + testMarker + " script\t1\t0\t1\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStream(&packersdk.BasicUi{Writer: &syncBuffer{}, ErrorWriter: &syncBuffer{}}, testMarker, []string{"a"})
		if n, err := s.Write(data); err != nil || n != len(data) {
			t.Fatalf("Write = %d, %v", n, err)
		}
		_ = s.failure(1)
	})
}
