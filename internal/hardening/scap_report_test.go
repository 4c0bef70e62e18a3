package hardening

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// fixtureSCAPReport is the report of fixturePlan with a scap block, in enforce
// mode with remediate: rule a (high) fails, b (low) was fixed.
func fixtureSCAPReport(t testing.TB, failOn FailOn) *Report {
	t.Helper()
	plan := fixturePlan(t)
	plan.SCAP = &SCAP{Datastream: "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml", Profile: "standard", Remediate: true}
	b, err := plan.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	return reportOf(t, plan, b, strings.Replace(fixtureResults(), record("end", "ok", "1800"), scapRecords(t, xccdfDoc, 2)+record("end", "ok", "1800"), 1), failOn)
}

// reportOf is the report of plan, its bundle and the runner's records.
func reportOf(t testing.TB, plan Plan, b Bundle, records string, failOn FailOn) *Report {
	t.Helper()
	res, err := ParseResults(strings.NewReader(records))
	if err != nil {
		t.Fatal(err)
	}
	meta := fixtureMeta()
	meta.FailOn = failOn
	r, err := NewReport(meta, plan, b, res)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSCAPReportGolden(t *testing.T) {
	r := fixtureSCAPReport(t, FailOn(SeverityCritical))
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report-scap.json", data)
	if err := validateSchema(data); err != nil {
		t.Errorf("the schema: %v", err)
	}
	if _, err := ParseReport(data); err != nil {
		t.Errorf("ParseReport: %v", err)
	}
	junit, err := r.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report-scap.junit.xml", junit)
	page, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report-scap.html", page)
	var text strings.Builder
	for _, line := range r.Summary() {
		mark := "  "
		if line.Failure {
			mark = "! "
		}
		text.WriteString(mark + line.Text + "\n")
	}
	golden(t, "summary-scap.txt", []byte(text.String()))

	// The data stream is a rule set: golden-seal records it in the provenance.
	last := r.RuleSets[len(r.RuleSets)-1]
	if last.Name != "scap:/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml" || last.SHA256 != strings.Repeat("ab", 32) || last.Rules != 4 {
		t.Errorf("rule set %+v", last)
	}
}

// TestSCAPFailOn: fail_on applies to SCAP rules by their XCCDF severity.
func TestSCAPFailOn(t *testing.T) {
	for failOn, want := range map[FailOn]Verdict{FailOn(SeverityCritical): VerdictFail, FailOn(SeverityHigh): VerdictFail, "": VerdictWarn} {
		r := fixtureSCAPReport(t, failOn)
		if r.Verdict != want {
			t.Errorf("fail_on %s: verdict %s, want %s", failOn, r.Verdict, want)
		}
		reasons := strings.Join(r.Reasons, "\n")
		if !strings.Contains(reasons, "scap rule xccdf_org.ssgproject.content_rule_a (high) fails") {
			t.Errorf("fail_on %s: reasons %q do not name the SCAP failure", failOn, r.Reasons)
		}
	}
	// Without the baseline's own failures, the SCAP rule alone decides.
	plan := fixturePlan(t)
	plan.Selected.Rules, plan.Scripts = nil, nil
	plan.SCAP = &SCAP{Datastream: "/ds.xml", Profile: "standard"}
	b, err := plan.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(xccdfDoc, "<result>fixed</result>", "<result>pass</result>", 1)
	for failOn, want := range map[FailOn]Verdict{FailOn(SeverityHigh): VerdictFail, FailOn(SeverityCritical): VerdictWarn, "": VerdictWarn} {
		r := reportOf(t, plan, b, record("results", "1", fixtureRunID)+scapRecords(t, doc, 2)+record("end", "ok", "1"), failOn)
		if r.Verdict != want {
			t.Errorf("fail_on %s: verdict %s, want %s (%q)", failOn, r.Verdict, want, r.Reasons)
		}
	}
}

func TestSCAPReportValidate(t *testing.T) {
	for name, change := range map[string]func(r *Report){
		"fixed in audit mode":  func(r *Report) { r.Run.Mode = ModeAudit },
		"result and status":    func(r *Report) { r.SCAP.Rules[0].Status = StatusPass },
		"counts":               func(r *Report) { r.SCAP.Counts.ByStatus[StatusPass]++ },
		"rule twice":           func(r *Report) { r.SCAP.Rules[1].ID = r.SCAP.Rules[0].ID },
		"severity":             func(r *Report) { r.SCAP.Rules[0].Severity = "critical" },
		"status":               func(r *Report) { r.SCAP.Status = "maybe" },
		"fixed, not remediate": func(r *Report) { r.SCAP.Remediate = false },
	} {
		t.Run(name, func(t *testing.T) {
			r := fixtureSCAPReport(t, FailOn(SeverityHigh))
			change(r)
			data, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseReport(data); !errors.Is(err, ErrInvalidReport) {
				t.Errorf("ParseReport: %v, want ErrInvalidReport", err)
			}
		})
	}
}

// TestSCAPNotRun: a scap block whose step did not run (a script failed first)
// is in the report, not run, and adds no rule set.
func TestSCAPNotRun(t *testing.T) {
	plan := fixturePlan(t)
	plan.SCAP = &SCAP{Datastream: "/ds.xml", Profile: "standard"}
	b, err := plan.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	r := reportOf(t, plan, b, strings.Replace(fixtureResults(), record("end", "ok", "1800"), record("end", "script-failed", "1800"), 1), FailOn(SeverityHigh))
	if r.SCAP == nil || r.SCAP.Status != SCAPNotRun || r.SCAP.ExitCode != nil || len(r.RuleSets) != 1 {
		t.Errorf("scap %+v, rule sets %+v", r.SCAP, r.RuleSets)
	}
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSchema(data); err != nil {
		t.Error(err)
	}
	if _, err := ParseReport(data); err != nil {
		t.Error(err)
	}
}
