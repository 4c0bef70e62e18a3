package hardening

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestJUnit(t *testing.T) {
	data, err := fixtureReport(t).JUnit()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.junit.xml", data)
	var parsed junitSuites
	if err := xml.Unmarshal(data, &parsed); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	s := parsed.Suites[0]
	if s.Tests != 8 || s.Failures != 1 || s.Errors != 1 || s.Skipped != 1 {
		t.Errorf("tests %d failures %d errors %d skipped %d; want 8 1 1 1", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
}

func TestHTML(t *testing.T) {
	data, err := fixtureReport(t).HTML()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.html", data)
	page := string(data)
	// Failures come first, the most severe first; evidence is escaped.
	if i, j := strings.Index(page, "<b>ssh-b</b>"), strings.Index(page, "<b>err-f</b>"); i < 0 || j < 0 || i > j {
		t.Error("ssh-b (critical fail) is not before err-f (low error)")
	}
	if j, k := strings.Index(page, "<b>err-f</b>"), strings.Index(page, "<b>ssh-a</b>"); k < j {
		t.Error("a fixed rule comes before an error")
	}
	if strings.Contains(page, "<remove>") || !strings.Contains(page, "&lt;remove&gt;") {
		t.Error("evidence is not escaped")
	}
	for _, external := range []string{"<link", "src=\"http", "@import"} {
		if strings.Contains(page, external) {
			t.Errorf("the page loads %s: it must be self-contained", external)
		}
	}
}

func TestSummary(t *testing.T) {
	var text strings.Builder
	for _, line := range fixtureReport(t).Summary() {
		mark := "  "
		if line.Failure {
			mark = "! "
		}
		text.WriteString(mark + line.Text + "\n")
	}
	golden(t, "summary.txt", []byte(text.String()))
}
