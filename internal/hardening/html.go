package hardening

import (
	"bytes"
	_ "embed"
	"html/template"
	"slices"
)

//go:embed report.html.tmpl
var reportHTML string

var htmlTemplate = template.Must(template.New("report").Parse(reportHTML))

// statusOrder puts what needs attention first in the HTML page.
var statusOrder = map[Status]int{StatusFail: 0, StatusError: 1, StatusFixed: 2, StatusPass: 3, StatusNotApplicable: 4}

// HTML renders the report as one self-contained page: a summary, then every
// rule with failures first and most severe first, filterable by severity and status.
func (r *Report) HTML() ([]byte, error) {
	rules := slices.Clone(r.Rules)
	slices.SortStableFunc(rules, func(a, b RuleReport) int {
		if d := statusOrder[a.Status] - statusOrder[b.Status]; d != 0 {
			return d
		}
		return b.Severity.Rank() - a.Severity.Rank()
	})
	var scap []SCAPRuleReport
	if r.SCAP != nil {
		scap = slices.Clone(r.SCAP.Rules)
		slices.SortStableFunc(scap, func(a, b SCAPRuleReport) int {
			if d := scapRank(a.Status) - scapRank(b.Status); d != 0 {
				return d
			}
			return slices.Index(SCAPSeverities, a.Severity) - slices.Index(SCAPSeverities, b.Severity)
		})
	}
	var buf bytes.Buffer
	err := htmlTemplate.Execute(&buf, struct {
		*Report
		Sorted       []RuleReport
		Severities   []Severity
		Statuses     []Status
		SCAPSorted   []SCAPRuleReport
		SCAPStatuses []Status
	}{r, rules, Severities, Statuses, scap, SCAPStatuses})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
