package hardening

import (
	"fmt"
	"slices"
)

// SCAP step statuses.
const (
	SCAPRan    = "ok"
	SCAPNotRun = "not-run"
)

// SCAPReport is the outcome of the scap block: oscap xccdf eval's results,
// kept apart from golden-harden's own rules.
type SCAPReport struct {
	Datastream string           `json:"datastream"`
	SHA256     string           `json:"sha256"` // of the data stream; "" when not run
	Profile    string           `json:"profile"`
	ProfileID  string           `json:"profile_id"` // the full id, from the results; "" when not run
	TestResult string           `json:"test_result"`
	Remediate  bool             `json:"remediate"`
	Status     string           `json:"status"`    // ok or not-run (an earlier step stopped the run)
	ExitCode   *int             `json:"exit_code"` // 0 all passed, 2 some failed
	DurationMS int64            `json:"duration_ms"`
	Counts     SCAPCounts       `json:"counts"`
	Rules      []SCAPRuleReport `json:"rules"`
}

// SCAPCounts are the SCAP rules by status and by XCCDF severity and status.
type SCAPCounts struct {
	Rules      int                       `json:"rules"`
	ByStatus   map[Status]int            `json:"by_status"`
	BySeverity map[string]map[Status]int `json:"by_severity"`
}

// SCAPRuleReport is one XCCDF rule-result.
type SCAPRuleReport struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"` // XCCDF: high, medium, low, info or unknown
	Result   string `json:"result"`   // XCCDF: pass, fail, fixed, notapplicable, error, unknown, notchecked, informational
	Status   Status `json:"status"`   // pass, fail, fixed, not-applicable, error or not-checked
}

// newSCAPReport builds the scap part of the report; res is nil when the scap
// step did not run.
func newSCAPReport(s SCAP, res *SCAPResult) *SCAPReport {
	r := &SCAPReport{Datastream: s.Datastream, Profile: s.Profile, Remediate: s.Remediate, Status: SCAPNotRun, Rules: []SCAPRuleReport{}}
	if res != nil {
		code := res.ExitCode
		r.SHA256, r.ExitCode, r.DurationMS, r.Status = res.SHA256, &code, res.Duration.Milliseconds(), SCAPRan
		r.ProfileID, r.TestResult = res.XCCDF.Profile, res.XCCDF.TestResult
		for _, x := range res.XCCDF.Rules {
			r.Rules = append(r.Rules, SCAPRuleReport{ID: x.ID, Title: x.Title, Severity: x.Severity, Result: x.Result, Status: scapStatus[x.Result]})
		}
	}
	r.Counts = scapCountsOf(r.Rules)
	return r
}

func scapCountsOf(rules []SCAPRuleReport) SCAPCounts {
	zero := func() map[Status]int {
		m := map[Status]int{}
		for _, st := range SCAPStatuses {
			m[st] = 0
		}
		return m
	}
	c := SCAPCounts{Rules: len(rules), ByStatus: zero(), BySeverity: map[string]map[Status]int{}}
	for _, sev := range SCAPSeverities {
		c.BySeverity[sev] = zero()
	}
	for _, r := range rules {
		c.ByStatus[r.Status]++
		if m, ok := c.BySeverity[r.Severity]; ok {
			m[r.Status]++
		}
	}
	return c
}

// Failing returns the SCAP rules that still fail or could not be checked,
// most severe first.
func (s *SCAPReport) Failing() []SCAPRuleReport {
	if s == nil {
		return nil
	}
	var out []SCAPRuleReport
	for _, r := range s.Rules {
		if r.Status.Failing() {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b SCAPRuleReport) int {
		return slices.Index(SCAPSeverities, a.Severity) - slices.Index(SCAPSeverities, b.Severity)
	})
	return out
}

// RuleSet is the data stream's digest, listed among the report's rule sets
// (and so in golden-seal's provenance); ok is false when the step did not run.
func (s *SCAPReport) RuleSet() (Digest, bool) {
	if s == nil || s.SHA256 == "" {
		return Digest{}, false
	}
	return Digest{Name: "scap:" + s.Datastream, SHA256: s.SHA256, Rules: len(s.Rules)}, true
}

// validate checks what the schema cannot.
func (s *SCAPReport) validate(mode Mode, bad func(string, ...any)) {
	if s.Status != SCAPRan && s.Status != SCAPNotRun {
		bad("scap.status %q", s.Status)
	}
	if s.Status == SCAPRan && (!hexSHA256.MatchString(s.SHA256) || s.ExitCode == nil) {
		bad("scap: ran without a sha256 or exit code")
	}
	if s.Remediate && mode == ModeAudit {
		bad("scap: remediate in audit mode")
	}
	ids := map[string]bool{}
	for i, r := range s.Rules {
		if ids[r.ID] {
			bad("scap.rules[%d]: rule %s twice", i, r.ID)
		}
		ids[r.ID] = true
		if st, ok := scapStatus[r.Result]; !ok || st == "" || st != r.Status {
			bad("scap.rules[%d] (%s): result %q, status %q", i, r.ID, r.Result, r.Status)
		}
		if !xccdfSeverities[r.Severity] {
			bad("scap.rules[%d] (%s): severity %q", i, r.ID, r.Severity)
		}
		if r.Status == StatusFixed && !s.Remediate {
			bad("scap.rules[%d] (%s): fixed without remediate", i, r.ID)
		}
	}
	if !countsEqual(scapCountsOf(s.Rules), s.Counts) {
		bad("scap.counts do not match scap.rules")
	}
}

// scapReasons are the verdict's reasons for SCAP rules still failing.
func (s *SCAPReport) reasons(failOn FailOn) (fail, warn []string) {
	if s == nil {
		return nil, nil
	}
	for _, r := range s.Rules {
		if !r.Status.Failing() {
			continue
		}
		msg := fmt.Sprintf("scap rule %s (%s) %s", r.ID, r.Severity, map[Status]string{StatusFail: "fails", StatusError: "could not be checked"}[r.Status])
		if failOn.Reached(SCAPSeverity(r.Severity)) {
			fail = append(fail, msg)
		} else {
			warn = append(warn, msg)
		}
	}
	return fail, warn
}
