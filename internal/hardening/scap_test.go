package hardening

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// xccdfDoc is a results document as oscap writes it: a Benchmark with its
// rules, then the TestResult.
const xccdfDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.ssgproject.content_benchmark_DEBIAN-12">
  <title>Guide</title>
  <Group id="xccdf_org.ssgproject.content_group_x">
    <title>A group</title>
    <Rule id="xccdf_org.ssgproject.content_rule_a" severity="high">
      <title xmlns:xhtml="http://www.w3.org/1999/xhtml" xml:lang="en-US">Rule &amp; A</title>
      <description>Not <b>this</b></description>
    </Rule>
    <Rule id="xccdf_org.ssgproject.content_rule_b" severity="low"><title>Rule
      B</title></Rule>
    <Rule id="xccdf_org.ssgproject.content_rule_c"><title>Rule C</title></Rule>
  </Group>
  <TestResult id="xccdf_org.open-scap_testresult_standard">
    <title>OSCAP Scan Result</title>
    <profile idref="xccdf_org.ssgproject.content_profile_standard"/>
    <rule-result idref="xccdf_org.ssgproject.content_rule_a" severity="high"><result>fail</result></rule-result>
    <rule-result idref="xccdf_org.ssgproject.content_rule_b" severity="low"><result>fixed</result></rule-result>
    <rule-result idref="xccdf_org.ssgproject.content_rule_c"><result>notselected</result></rule-result>
    <rule-result idref="xccdf_org.ssgproject.content_rule_d" severity="medium"><result> notapplicable </result></rule-result>
    <rule-result idref="xccdf_org.ssgproject.content_rule_e" severity="info"><result>notchecked</result></rule-result>
    <score system="urn:xccdf:scoring:default" maximum="100">50</score>
  </TestResult>
</Benchmark>`

func TestParseXCCDF(t *testing.T) {
	rule := func(id, title, sev, result string) XCCDFRule {
		return XCCDFRule{ID: "xccdf_org.ssgproject.content_rule_" + id, Title: title, Severity: sev, Result: result}
	}
	tests := []struct {
		name string
		doc  string
		want *XCCDFResults
	}{
		{"results with the benchmark", xccdfDoc, &XCCDFResults{
			TestResult: "xccdf_org.open-scap_testresult_standard", Profile: "xccdf_org.ssgproject.content_profile_standard",
			Rules: []XCCDFRule{rule("a", "Rule & A", "high", "fail"), rule("b", "Rule B", "low", "fixed"), rule("d", "", "medium", "notapplicable"), rule("e", "", "info", "notchecked")},
		}},
		{"a TestResult alone, prefixed, default severity", `<x:TestResult xmlns:x="http://checklists.nist.gov/xccdf/1.2" id="t">
			<x:rule-result idref="r1"><x:result>error</x:result></x:rule-result></x:TestResult>`,
			&XCCDFResults{TestResult: "t", Rules: []XCCDFRule{{ID: "r1", Severity: "unknown", Result: "error"}}}},
		{"a rule judged twice keeps its worst result", `<TestResult id="t">
			<rule-result idref="r" severity="low"><result>pass</result></rule-result>
			<rule-result idref="r" severity="low"><result>fail</result></rule-result>
			<rule-result idref="r" severity="low"><result>notapplicable</result></rule-result></TestResult>`,
			&XCCDFResults{TestResult: "t", Rules: []XCCDFRule{{ID: "r", Severity: "low", Result: "fail"}}}},
		{"nothing selected", `<TestResult id="t"><rule-result idref="r"><result>notselected</result></rule-result></TestResult>`,
			&XCCDFResults{TestResult: "t", Rules: []XCCDFRule{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseXCCDF([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseXCCDFRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":            "",
		"not XML":          "oscap: error",
		"no TestResult":    `<Benchmark><Rule id="a"><title>A</title></Rule></Benchmark>`,
		"two TestResults":  `<a><TestResult id="1"/><TestResult id="2"/></a>`,
		"cut short":        `<TestResult id="t"><rule-result idref="r"><result>pass</result></rule-result>`,
		"unknown result":   `<TestResult id="t"><rule-result idref="r"><result>maybe</result></rule-result></TestResult>`,
		"unknown severity": `<TestResult id="t"><rule-result idref="r" severity="critical"><result>pass</result></rule-result></TestResult>`,
		"bad idref":        `<TestResult id="t"><rule-result idref="a b"><result>pass</result></rule-result></TestResult>`,
		"nested":           `<TestResult id="t"><rule-result idref="a"><rule-result idref="b"/></rule-result></TestResult>`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseXCCDF([]byte(doc)); !errors.Is(err, ErrXCCDF) {
				t.Errorf("error %v, want ErrXCCDF", err)
			}
		})
	}
}

// TestParseXCCDFReduced reads what the runner streamed for SSG's Debian 12
// standard profile (oscap 1.3.7, remediate, on the sandbox's bookworm root).
func TestParseXCCDFReduced(t *testing.T) {
	data, err := os.ReadFile("testdata/scap-reduced.xml")
	if err != nil {
		t.Fatal(err)
	}
	x, err := ParseXCCDF(data)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range x.Rules {
		counts[r.Result]++
		if r.Title == "" {
			t.Errorf("rule %s has no title", r.ID)
		}
	}
	if diff := cmp.Diff(map[string]int{"pass": 18, "fail": 5, "notapplicable": 21}, counts); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if x.Profile != "xccdf_org.ssgproject.content_profile_standard" {
		t.Errorf("profile %q", x.Profile)
	}
}

func FuzzParseXCCDF(f *testing.F) {
	f.Add([]byte(xccdfDoc))
	f.Add([]byte(`<TestResult id="t"><rule-result idref="r"><result>pass</result></rule-result></TestResult>`))
	if data, err := os.ReadFile("testdata/scap-reduced.xml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseXCCDF(data)
		if err != nil {
			if !errors.Is(err, ErrXCCDF) {
				t.Fatalf("error %v does not wrap ErrXCCDF", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range x.Rules {
			st, ok := scapStatus[r.Result]
			if !ok || st == "" || seen[r.ID] || !xccdfSeverities[r.Severity] || len(r.Title) > maxXCCDFTitle {
				t.Fatalf("rule %+v: unknown or notselected result, duplicate, bad severity or long title", r)
			}
			seen[r.ID] = true
		}
	})
}

// scapRecords are the runner's scapdata and scap records for doc, gzipped.
func scapRecords(t testing.TB, doc string, code int) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(buf.Bytes())
	var out strings.Builder
	for len(enc) > 64 { // several parts, as base64 -w splits them
		out.WriteString(record("scapdata", enc[:64]))
		enc = enc[64:]
	}
	out.WriteString(record("scapdata", enc))
	out.WriteString(record("scap", strings.Repeat("ab", 32), strconv.Itoa(code), "2500", "gzip", strconv.Itoa(buf.Len())))
	return out.String()
}

func TestParseResultsSCAP(t *testing.T) {
	head := record("results", "1", fixtureRunID)
	res, err := ParseResults(strings.NewReader(head + scapRecords(t, xccdfDoc, 2) + record("end", "ok", "9")))
	if err != nil {
		t.Fatal(err)
	}
	if res.SCAP == nil || res.SCAP.ExitCode != 2 || len(res.SCAP.XCCDF.Rules) != 4 || res.SCAP.SHA256 != strings.Repeat("ab", 32) {
		t.Fatalf("scap %+v", res.SCAP)
	}
	plain := base64.StdEncoding.EncodeToString([]byte(xccdfDoc))
	for name, recs := range map[string]string{
		"size differs":     record("scapdata", plain) + record("scap", strings.Repeat("ab", 32), "0", "1", "xml", "5"),
		"not gzip":         record("scapdata", plain) + record("scap", strings.Repeat("ab", 32), "0", "1", "gzip", strconv.Itoa(len(xccdfDoc))),
		"no scap record":   record("scapdata", plain),
		"oscap error":      record("scapdata", plain) + record("scap", strings.Repeat("ab", 32), "1", "1", "xml", strconv.Itoa(len(xccdfDoc))),
		"twice":            scapRecords(t, xccdfDoc, 0) + scapRecords(t, xccdfDoc, 0),
		"bad XCCDF":        scapRecords(t, "<x/>", 0),
		"bad base64":       record("scapdata", "%%%"),
		"unknown format":   record("scapdata", plain) + record("scap", strings.Repeat("ab", 32), "0", "1", "zip", strconv.Itoa(len(xccdfDoc))),
		"bad sha256":       record("scapdata", plain) + record("scap", "abc", "0", "1", "xml", strconv.Itoa(len(xccdfDoc))),
		"too big for size": record("scapdata", plain) + record("scap", strings.Repeat("ab", 32), "0", "1", "xml", strconv.Itoa(MaxSCAPStream+1)),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseResults(strings.NewReader(head + recs + record("end", "ok", "9"))); err == nil {
				t.Error("ParseResults accepted it")
			}
		})
	}
}

func TestSCAPValidate(t *testing.T) {
	ok := SCAP{Datastream: "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml", Profile: "standard"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s    SCAP
		want error
		says string
	}{
		{SCAP{Profile: "standard"}, ErrSCAPDatastream, "scap.datastream is not set"},
		{SCAP{Datastream: "ssg.xml", Profile: "standard"}, ErrSCAPDatastream, `scap.datastream "ssg.xml" is relative`},
		{SCAP{Datastream: "/a\tb.xml", Profile: "standard"}, ErrSCAPDatastream, "control characters"},
		{SCAP{Datastream: "/ds.xml"}, ErrSCAPProfile, "scap.profile is not set"},
		{SCAP{Datastream: "/ds.xml", Profile: "my profile"}, ErrSCAPProfile, `scap.profile "my profile"`},
	} {
		err := tt.s.Validate()
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%+v: %v, want %v saying %q", tt.s, err, tt.want, tt.says)
		}
	}
	plan := fixturePlan(t)
	plan.Mode, plan.SCAP = ModeAudit, &SCAP{Datastream: "/ds.xml", Profile: "standard", Remediate: true}
	if _, err := plan.Bundle(); !errors.Is(err, ErrSCAPRemediateAudit) {
		t.Errorf("Bundle: %v, want ErrSCAPRemediateAudit", err)
	}
}

func TestSCAPSeverity(t *testing.T) {
	for xccdf, want := range map[string]Severity{"high": SeverityHigh, "medium": SeverityMedium, "low": SeverityLow, "info": SeverityLow, "unknown": SeverityLow} {
		if got := SCAPSeverity(xccdf); got != want {
			t.Errorf("SCAPSeverity(%s) = %s, want %s", xccdf, got, want)
		}
	}
}
