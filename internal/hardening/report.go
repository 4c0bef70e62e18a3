package hardening

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// ReportVersion is the version of the report's JSON shape
// (schema/report-v1.schema.json, docs/hardening-report.md). Fields may be added
// within a version; anything else changes it.
const ReportVersion = 1

// ReportSchema is the JSON Schema of version ReportVersion of the report.
//
//go:embed schema/report-v1.schema.json
var ReportSchema []byte

// Tool names the producer in every report.
const Tool = "golden-harden"

// Verdict sums a report up.
type Verdict string

// Verdicts.
const (
	VerdictPass Verdict = "pass" // every applicable rule passes or was fixed, every script succeeded
	VerdictWarn Verdict = "warn" // rules still fail, none at or above fail_on
	VerdictFail Verdict = "fail" // a rule at or above fail_on fails, a script failed, or the run did not finish
)

// Report is what one golden-harden run found and did. Its JSON form is stable
// within ReportVersion.
type Report struct {
	Version  int            `json:"version"`
	Tool     string         `json:"tool"`
	Verdict  Verdict        `json:"verdict"`
	Reasons  []string       `json:"verdict_reasons"`
	Run      RunInfo        `json:"run"`
	OS       OSFacts        `json:"os"`
	Counts   Counts         `json:"counts"`
	Rules    []RuleReport   `json:"rules"`
	Scripts  []ScriptReport `json:"scripts"`
	RuleSets []Digest       `json:"rule_sets"`
	Runner   Digest         `json:"runner"`
	SCAP     *SCAPReport    `json:"scap,omitempty"` // only with a scap block
}

// RunInfo says which build ran and how.
type RunInfo struct {
	PackerRunUUID string    `json:"packer_run_uuid"`
	BuildName     string    `json:"build_name"`
	RunID         string    `json:"run_id"`
	Mode          Mode      `json:"mode"`
	Profile       string    `json:"profile"`
	FailOn        string    `json:"fail_on"`
	ScriptsFirst  bool      `json:"scripts_first"`
	Started       time.Time `json:"started"`
	DurationMS    int64     `json:"duration_ms"`
	PluginVersion string    `json:"plugin_version"`
}

// Counts are the rules by final status, by severity and status, and the scripts.
type Counts struct {
	Rules         int                         `json:"rules"`
	ByStatus      map[Status]int              `json:"by_status"`
	BySeverity    map[Severity]map[Status]int `json:"by_severity"`
	NextBoot      int                         `json:"fixed_next_boot"`
	Scripts       int                         `json:"scripts"`
	ScriptsFailed int                         `json:"scripts_failed"`
}

// RuleReport is one rule's outcome.
type RuleReport struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Category       string   `json:"category"`
	Severity       Severity `json:"severity"`
	StatusBefore   Status   `json:"status_before"`
	Status         Status   `json:"status"`
	EvidenceBefore string   `json:"evidence_before"`
	Evidence       string   `json:"evidence"`
	DurationMS     int64    `json:"duration_ms"`
	TakesEffect    Effect   `json:"takes_effect,omitempty"`
	References     []string `json:"references"`
}

// Script statuses.
const (
	ScriptOK     = "ok"
	ScriptFailed = "failed"
	ScriptNotRun = "not-run"
)

// ScriptReport is one user script's outcome.
type ScriptReport struct {
	Index      int    `json:"index"`
	Name       string `json:"name"`
	SHA256     string `json:"sha256"`
	Status     string `json:"status"`
	ExitCode   *int   `json:"exit_code"`
	DurationMS int64  `json:"duration_ms"`
	OutputTail string `json:"output_tail"`
}

// Meta is what the provisioner knows about the run beyond the runner's results.
type Meta struct {
	PackerRunUUID string
	BuildName     string
	PluginVersion string
	FailOn        FailOn
	Started       time.Time
	Duration      time.Duration
}

// ErrMismatch is returned when results do not belong to the plan they are read against.
var ErrMismatch = errors.New("the results do not match the plan")

// NewReport builds the report of a run from its plan, bundle and results.
func NewReport(meta Meta, plan Plan, b Bundle, res *Results) (*Report, error) {
	if res.RunID != plan.RunID {
		return nil, fmt.Errorf("%w: run id %s, want %s", ErrMismatch, res.RunID, plan.RunID)
	}
	r := &Report{
		Version: ReportVersion, Tool: Tool, OS: res.OS,
		Run: RunInfo{
			PackerRunUUID: meta.PackerRunUUID, BuildName: meta.BuildName, RunID: plan.RunID, Mode: plan.Mode,
			Profile: plan.Selected.Profile, FailOn: meta.FailOn.String(), ScriptsFirst: plan.ScriptsFirst,
			Started: meta.Started.UTC().Truncate(time.Millisecond), DurationMS: meta.Duration.Milliseconds(), PluginVersion: meta.PluginVersion,
		},
		RuleSets: []Digest{b.RuleSet},
		Runner:   b.Runner,
		Rules:    []RuleReport{},
		Scripts:  []ScriptReport{},
	}
	got := map[string]RuleResult{}
	for _, rr := range res.Rules {
		got[rr.ID] = rr
	}
	if len(got) > len(plan.Selected.Rules) {
		return nil, fmt.Errorf("%w: %d rule results for %d rules", ErrMismatch, len(got), len(plan.Selected.Rules))
	}
	for _, rule := range plan.Selected.Rules {
		rr, ok := got[rule.ID]
		if !ok {
			// The run stopped before this rule (a script failed first).
			rr = RuleResult{ID: rule.ID, Before: StatusError, After: StatusError, EvidenceBefore: "not run: the run stopped before this rule", EvidenceAfter: ""}
		}
		delete(got, rule.ID)
		rep := RuleReport{
			ID: rule.ID, Title: rule.Title, Category: rule.Category, Severity: rule.Severity,
			StatusBefore: rr.Before, Status: rr.After, EvidenceBefore: rr.EvidenceBefore, Evidence: rr.EvidenceAfter,
			DurationMS: rr.Duration.Milliseconds(), References: slices.Clone(rule.References),
		}
		if rep.Evidence == "" && rep.Status == rep.StatusBefore {
			rep.Evidence = rep.EvidenceBefore
		}
		if rep.Status == StatusFixed {
			rep.TakesEffect = rule.Effect
		}
		if rep.References == nil {
			rep.References = []string{}
		}
		r.Rules = append(r.Rules, rep)
	}
	if len(got) > 0 {
		return nil, fmt.Errorf("%w: results for rules that were not planned", ErrMismatch)
	}
	if len(res.Scripts) > len(plan.Scripts) {
		return nil, fmt.Errorf("%w: %d script results for %d scripts", ErrMismatch, len(res.Scripts), len(plan.Scripts))
	}
	for i, s := range plan.Scripts {
		sr := ScriptReport{Index: i + 1, Name: s.Name, SHA256: b.Scripts[i].SHA256, Status: ScriptNotRun}
		for _, x := range res.Scripts {
			if x.Index == i+1 {
				code := x.ExitCode
				sr.ExitCode, sr.DurationMS, sr.OutputTail = &code, x.Duration.Milliseconds(), x.OutputTail
				sr.Status = ScriptFailed
				if code >= 0 && slices.Contains(validCodes(plan.ValidExitCodes), code) {
					sr.Status = ScriptOK
				}
			}
		}
		r.Scripts = append(r.Scripts, sr)
	}
	if plan.SCAP != nil {
		r.SCAP = newSCAPReport(*plan.SCAP, res.SCAP)
		if d, ok := r.SCAP.RuleSet(); ok {
			r.RuleSets = append(r.RuleSets, d)
		}
	} else if res.SCAP != nil {
		return nil, fmt.Errorf("%w: SCAP results without a scap block", ErrMismatch)
	}
	r.Counts = countsOf(r.Rules, r.Scripts)
	r.Verdict, r.Reasons = verdictOf(r, meta.FailOn, res)
	return r, nil
}

func validCodes(codes []int) []int {
	if len(codes) == 0 {
		return []int{0}
	}
	return codes
}

func countsOf(rules []RuleReport, scripts []ScriptReport) Counts {
	c := Counts{Rules: len(rules), ByStatus: map[Status]int{}, BySeverity: map[Severity]map[Status]int{}, Scripts: len(scripts)}
	for _, st := range Statuses {
		c.ByStatus[st] = 0
	}
	for _, sev := range Severities {
		c.BySeverity[sev] = map[Status]int{}
		for _, st := range Statuses {
			c.BySeverity[sev][st] = 0
		}
	}
	for _, r := range rules {
		c.ByStatus[r.Status]++
		if m, ok := c.BySeverity[r.Severity]; ok {
			m[r.Status]++
		}
		if r.TakesEffect == EffectNextBoot {
			c.NextBoot++
		}
	}
	for _, s := range scripts {
		if s.Status == ScriptFailed {
			c.ScriptsFailed++
		}
	}
	return c
}

// verdictOf decides the verdict and says why, failures first.
func verdictOf(r *Report, failOn FailOn, res *Results) (Verdict, []string) {
	var fail, warn []string
	if res != nil && res.Fatal != "" {
		fail = append(fail, "the runner stopped: "+res.Fatal)
	}
	for _, s := range r.Scripts {
		switch {
		case s.Status == ScriptFailed && s.ExitCode != nil && *s.ExitCode < 0:
			fail = append(fail, fmt.Sprintf("script %d (%s) ended without an exit code", s.Index, s.Name))
		case s.Status == ScriptFailed:
			fail = append(fail, fmt.Sprintf("script %d (%s) exited with %d", s.Index, s.Name, *s.ExitCode))
		}
	}
	for _, rule := range r.Rules {
		if !rule.Status.Failing() {
			continue
		}
		msg := fmt.Sprintf("rule %s (%s) %s", rule.ID, rule.Severity, map[Status]string{StatusFail: "fails", StatusError: "could not be checked"}[rule.Status])
		if failOn.Reached(rule.Severity) {
			fail = append(fail, msg)
		} else {
			warn = append(warn, msg)
		}
	}
	scapFail, scapWarn := r.SCAP.reasons(failOn)
	fail, warn = append(fail, scapFail...), append(warn, scapWarn...)
	switch {
	case len(fail) > 0:
		return VerdictFail, append(fail, warn...)
	case len(warn) > 0:
		return VerdictWarn, warn
	}
	return VerdictPass, []string{}
}

// Failing returns the rules that still fail or could not be checked, most severe first.
func (r *Report) Failing() []RuleReport {
	var out []RuleReport
	for _, rule := range r.Rules {
		if rule.Status.Failing() {
			out = append(out, rule)
		}
	}
	slices.SortStableFunc(out, func(a, b RuleReport) int { return b.Severity.Rank() - a.Severity.Rank() })
	return out
}

// Marshal returns the report's JSON form, indented, with a final newline.
func (r *Report) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Errors of ParseReport.
var (
	ErrReportVersion = errors.New("unsupported report version")
	ErrInvalidReport = errors.New("invalid hardening report")
)

// ParseReport reads a report's JSON form and validates it.
func ParseReport(data []byte) (*Report, error) {
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidReport, err)
	}
	if probe.Version == nil || *probe.Version != ReportVersion {
		v := "none"
		if probe.Version != nil {
			v = fmt.Sprint(*probe.Version)
		}
		return nil, fmt.Errorf("%w %s: this plugin reads version %d; use the golden plugin version that wrote it", ErrReportVersion, v, ReportVersion)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidReport, err)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks what the schema cannot: consistent counts, known values,
// a verdict that follows from the rules and scripts.
func (r *Report) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if r.Tool != Tool {
		bad("tool %q, want %q", r.Tool, Tool)
	}
	switch r.Verdict {
	case VerdictPass, VerdictWarn, VerdictFail:
	default:
		bad("verdict %q", r.Verdict)
	}
	if r.Run.Mode != ModeEnforce && r.Run.Mode != ModeAudit {
		bad("run.mode %q", r.Run.Mode)
	}
	failOn, err := ParseFailOn(r.Run.FailOn)
	if err != nil {
		bad("run.fail_on: %w", err)
	}
	ids := map[string]bool{}
	for i, rule := range r.Rules {
		if ids[rule.ID] {
			bad("rules[%d]: rule %s twice", i, rule.ID)
		}
		ids[rule.ID] = true
		if rule.Severity.Rank() == 0 {
			bad("rules[%d] (%s): severity %q", i, rule.ID, rule.Severity)
		}
		if !rule.StatusBefore.Valid() || rule.StatusBefore == StatusFixed || !rule.Status.Valid() {
			bad("rules[%d] (%s): statuses %q → %q", i, rule.ID, rule.StatusBefore, rule.Status)
		}
		if rule.Status == StatusFixed && r.Run.Mode == ModeAudit {
			bad("rules[%d] (%s): fixed in audit mode", i, rule.ID)
		}
	}
	for i, s := range r.Scripts {
		if !hexSHA256.MatchString(s.SHA256) {
			bad("scripts[%d]: sha256 %q", i, s.SHA256)
		}
		if s.Status != ScriptOK && s.Status != ScriptFailed && s.Status != ScriptNotRun {
			bad("scripts[%d]: status %q", i, s.Status)
		}
	}
	for i, d := range append(slices.Clone(r.RuleSets), r.Runner) {
		if !hexSHA256.MatchString(d.SHA256) {
			bad("digest %d (%s): sha256 %q", i, d.Name, d.SHA256)
		}
	}
	if r.SCAP != nil {
		r.SCAP.validate(r.Run.Mode, bad)
	}
	if len(errs) == 0 {
		if want := countsOf(r.Rules, r.Scripts); !countsEqual(want, r.Counts) {
			bad("counts do not match the rules and scripts")
		}
		if want, _ := verdictOf(r, failOn, nil); want != r.Verdict && !(r.Verdict == VerdictFail && len(r.Reasons) > 0) {
			bad("verdict %s, but the rules and scripts give %s", r.Verdict, want)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidReport, err)
	}
	return nil
}

func countsEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
