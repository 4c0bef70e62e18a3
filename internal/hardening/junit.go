package hardening

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitProblem `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// JUnit renders the report as JUnit XML: one test case per rule (failures
// typed by severity, not-applicable rules skipped) and one per script.
func (r *Report) JUnit() ([]byte, error) {
	suite := junitSuite{
		Name: "golden-harden " + r.Run.BuildName, Time: seconds(r.Run.DurationMS), Timestamp: r.Run.Started.Format("2006-01-02T15:04:05Z"),
		Properties: []junitProperty{
			{"verdict", string(r.Verdict)}, {"mode", string(r.Run.Mode)}, {"profile", r.Run.Profile},
			{"fail_on", r.Run.FailOn}, {"os", r.OS.PrettyName}, {"packer_run_uuid", r.Run.PackerRunUUID},
		},
	}
	for _, rule := range r.Rules {
		c := junitCase{Name: rule.ID + ": " + rule.Title, Classname: "golden-harden." + rule.Category, Time: seconds(rule.DurationMS)}
		switch rule.Status {
		case StatusFail:
			c.Failure = &junitProblem{Message: fmt.Sprintf("%s severity: %s", rule.Severity, firstLine(rule.Evidence)), Type: string(rule.Severity), Text: rule.Evidence}
			suite.Failures++
		case StatusError:
			c.Error = &junitProblem{Message: firstLine(rule.Evidence), Type: string(rule.Severity), Text: rule.Evidence}
			suite.Errors++
		case StatusNotApplicable:
			c.Skipped = &junitProblem{Message: firstLine(rule.Evidence)}
			suite.Skipped++
		case StatusFixed:
			c.SystemOut = fmt.Sprintf("fixed (takes effect: %s)\nbefore: %s\nafter: %s", rule.TakesEffect, rule.EvidenceBefore, rule.Evidence)
		default:
			c.SystemOut = rule.Evidence
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, s := range r.Scripts {
		c := junitCase{Name: fmt.Sprintf("script %d: %s", s.Index, s.Name), Classname: "golden-harden.scripts", Time: seconds(s.DurationMS), SystemOut: s.OutputTail}
		switch {
		case s.Status == ScriptNotRun:
			c.Skipped = &junitProblem{Message: "not run: an earlier step failed"}
			suite.Skipped++
		case s.Status == ScriptFailed:
			c.Failure = &junitProblem{Message: fmt.Sprintf("exited with %d", *s.ExitCode), Type: "script", Text: s.OutputTail}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	all := junitSuites{Name: "golden-harden", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	if s := r.SCAP.junit(r.Run.BuildName); s != nil {
		all.Suites = append(all.Suites, *s)
		all.Tests, all.Failures, all.Errors, all.Skipped = all.Tests+s.Tests, all.Failures+s.Failures, all.Errors+s.Errors, all.Skipped+s.Skipped
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// junit is the scap block's test suite: one case per XCCDF rule, failures
// typed by XCCDF severity, not-applicable and not-checked rules skipped.
func (s *SCAPReport) junit(build string) *junitSuite {
	if s == nil {
		return nil
	}
	suite := &junitSuite{
		Name: "golden-harden scap " + build, Time: seconds(s.DurationMS),
		Properties: []junitProperty{{"datastream", s.Datastream}, {"sha256", s.SHA256}, {"profile", s.ProfileID}, {"status", s.Status}},
	}
	for _, rule := range s.Rules {
		c := junitCase{Name: rule.ID + ": " + rule.Title, Classname: "golden-harden.scap", Time: "0.000", SystemOut: "xccdf result: " + rule.Result}
		switch rule.Status {
		case StatusFail:
			c.Failure = &junitProblem{Message: fmt.Sprintf("%s severity: xccdf result %s", rule.Severity, rule.Result), Type: rule.Severity}
			suite.Failures++
		case StatusError:
			c.Error = &junitProblem{Message: "xccdf result " + rule.Result, Type: rule.Severity}
			suite.Errors++
		case StatusNotApplicable, StatusNotChecked:
			c.Skipped = &junitProblem{Message: "xccdf result " + rule.Result}
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	return suite
}
