package hardening

import (
	"fmt"
	"strings"
)

// SummaryLine is a line of the console summary; Failure marks a rule still failing.
type SummaryLine struct {
	Text    string
	Failure bool
}

// Summary is the report for the console: the verdict, counts by status and by
// severity, every remaining failure, and what takes effect at next boot.
func (r *Report) Summary() []SummaryLine {
	c := r.Counts
	var st []string
	for _, s := range Statuses {
		st = append(st, fmt.Sprintf("%d %s", c.ByStatus[s], s))
	}
	lines := []SummaryLine{
		{Text: fmt.Sprintf("golden-harden: verdict %s (mode %s, profile %s, fail_on %s) on %s",
			r.Verdict, r.Run.Mode, r.Run.Profile, r.Run.FailOn, orUnknown(r.OS.PrettyName))},
		{Text: fmt.Sprintf("  rules: %d: %s", c.Rules, strings.Join(st, ", "))},
	}
	var sev []string
	for i := len(Severities) - 1; i >= 0; i-- {
		s := Severities[i]
		m := c.BySeverity[s]
		total := 0
		for _, n := range m {
			total += n
		}
		sev = append(sev, fmt.Sprintf("%s %d/%d", s, m[StatusFail]+m[StatusError], total))
	}
	lines = append(lines, SummaryLine{Text: "  failing by severity: " + strings.Join(sev, ", ")})
	if c.Scripts > 0 {
		lines = append(lines, SummaryLine{Text: fmt.Sprintf("  scripts: %d, %d failed", c.Scripts, c.ScriptsFailed)})
	}
	lines = append(lines, r.SCAP.summary()...)
	for _, rule := range r.Failing() {
		lines = append(lines, SummaryLine{Text: fmt.Sprintf("  %s [%s] %s: %s", strings.ToUpper(string(rule.Status)), rule.Severity, rule.ID, firstLine(rule.Evidence)), Failure: true})
	}
	if c.NextBoot > 0 {
		lines = append(lines, SummaryLine{Text: fmt.Sprintf("  fixes that take effect when the image boots: %d (kernel parameters, modules, services, sshd); the build's own session was left as it was", c.NextBoot)})
	}
	return lines
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown OS"
	}
	return s
}

// summary is the scap block's part of the console summary: its counts, then
// the rules that still fail.
func (s *SCAPReport) summary() []SummaryLine {
	if s == nil {
		return nil
	}
	how := s.ProfileID
	if how == "" {
		how = s.Profile
	}
	if s.Remediate {
		how += ", remediate"
	}
	if s.Status == SCAPNotRun {
		return []SummaryLine{{Text: fmt.Sprintf("  scap (%s): not run: an earlier step stopped the run", how)}}
	}
	var st []string
	for _, x := range SCAPStatuses {
		st = append(st, fmt.Sprintf("%d %s", s.Counts.ByStatus[x], x))
	}
	lines := []SummaryLine{{Text: fmt.Sprintf("  scap (%s): %d rules: %s", how, s.Counts.Rules, strings.Join(st, ", "))}}
	for _, rule := range s.Failing() {
		lines = append(lines, SummaryLine{Text: fmt.Sprintf("  %s [%s] scap %s: %s", strings.ToUpper(string(rule.Status)), rule.Severity, rule.ID, rule.Title), Failure: true})
	}
	return lines
}
