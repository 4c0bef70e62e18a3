package hardening

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// SCAP is the scap block: oscap xccdf eval of a source data stream on the
// machine, run last, on the final state.
type SCAP struct {
	Datastream string // absolute path on the machine
	Profile    string // XCCDF profile id, or a suffix oscap expands (standard)
	Remediate  bool   // oscap xccdf eval --remediate
}

// XCCDF results as oscap writes them (XCCDF 1.2, rule-result/result).
const (
	XCCDFPass          = "pass"
	XCCDFFail          = "fail"
	XCCDFError         = "error"
	XCCDFUnknown       = "unknown"
	XCCDFNotApplicable = "notapplicable"
	XCCDFNotChecked    = "notchecked"
	XCCDFNotSelected   = "notselected"
	XCCDFInformational = "informational"
	XCCDFFixed         = "fixed"
)

// StatusNotChecked is the status of a SCAP rule that oscap did not or could not
// judge (notchecked, informational); it does not count as failing.
const StatusNotChecked Status = "not-checked"

// SCAPStatuses lists the statuses of SCAP rules in the order reports show them.
var SCAPStatuses = []Status{StatusFail, StatusError, StatusFixed, StatusPass, StatusNotApplicable, StatusNotChecked}

// SCAPSeverities are XCCDF's severities, highest first.
var SCAPSeverities = []string{"high", "medium", "low", "info", "unknown"}

// scapStatus maps an XCCDF result to a report status; notselected maps to "".
var scapStatus = map[string]Status{
	XCCDFPass: StatusPass, XCCDFFail: StatusFail, XCCDFFixed: StatusFixed, XCCDFNotApplicable: StatusNotApplicable,
	XCCDFError: StatusError, XCCDFUnknown: StatusError,
	XCCDFNotChecked: StatusNotChecked, XCCDFInformational: StatusNotChecked, XCCDFNotSelected: "",
}

// SCAPSeverity is the severity fail_on compares a SCAP rule's XCCDF severity
// with: high, medium and low as they are; info and unknown (XCCDF's default)
// as low, so that fail_on = "low" catches every failure. XCCDF has no critical.
func SCAPSeverity(xccdf string) Severity {
	switch xccdf {
	case "high":
		return SeverityHigh
	case "medium":
		return SeverityMedium
	}
	return SeverityLow
}

// XCCDFResults is what ParseXCCDF reads from an XCCDF results document: its
// TestResult, and the titles of the rules it judged from the Benchmark when
// the document has them.
type XCCDFResults struct {
	TestResult string // the TestResult's id
	Profile    string // the profile's full id (profile/@idref)
	Rules      []XCCDFRule
}

// XCCDFRule is one rule-result, notselected ones left out.
type XCCDFRule struct {
	ID       string
	Title    string // "" when the document has no Benchmark
	Severity string // high, medium, low, info or unknown
	Result   string // the XCCDF result
}

// ErrXCCDF is wrapped by every error about XCCDF results that cannot be read.
var ErrXCCDF = errors.New("malformed XCCDF results")

// Limits of ParseXCCDF, far above what SCAP content holds (SSG: about 1,500 rules).
const (
	maxXCCDFRules = 100_000
	maxXCCDFTitle = 1024
)

var xccdfID = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]*$`)

// xccdfSeverities are the values of rule-result/@severity (XCCDF 1.2 §6.6.4.2).
var xccdfSeverities = map[string]bool{"high": true, "medium": true, "low": true, "info": true, "unknown": true}

// ParseXCCDF reads XCCDF results: a results document, an ARF report, or the
// reduction golden-harden's runner streams (rule titles, then the TestResult).
// Elements are matched by local name, so any namespace prefix works. Exactly
// one TestResult is required; rules notselected are left out; a rule judged
// twice keeps its worst result.
func ParseXCCDF(data []byte) (*XCCDFResults, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Entity = xml.HTMLEntity
	titles := map[string]string{}
	var res *XCCDFResults
	index := map[string]int{}
	var rule string // the Rule being read, until its title
	inTest, inResult := false, false
	var current *XCCDFRule
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrXCCDF, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch name := t.Name.Local; {
			case name == "Rule" && !inTest:
				rule = attr(t, "id")
			case name == "title" && rule != "" && !inTest:
				var text string
				if err := d.DecodeElement(&text, &t); err != nil {
					return nil, fmt.Errorf("%w: the title of rule %.80q: %w", ErrXCCDF, rule, err)
				}
				titles[rule] = clip(strings.Join(strings.Fields(text), " "), maxXCCDFTitle)
				rule = ""
			case name == "TestResult":
				if res != nil || inTest {
					return nil, fmt.Errorf("%w: more than one TestResult: give the results of one evaluation", ErrXCCDF)
				}
				res = &XCCDFResults{TestResult: attr(t, "id"), Rules: []XCCDFRule{}}
				inTest = true
			case name == "profile" && inTest && current == nil:
				res.Profile = attr(t, "idref")
			case name == "rule-result" && inTest:
				if current != nil {
					return nil, fmt.Errorf("%w: a rule-result inside rule-result %.80q", ErrXCCDF, current.ID)
				}
				current = &XCCDFRule{ID: attr(t, "idref"), Severity: attr(t, "severity")}
				if current.Severity == "" {
					current.Severity = "unknown" // XCCDF's default
				}
				if len(current.ID) > maxXCCDFTitle || !xccdfID.MatchString(current.ID) {
					return nil, fmt.Errorf("%w: rule-result idref %.80q", ErrXCCDF, current.ID)
				}
				if !xccdfSeverities[current.Severity] {
					return nil, fmt.Errorf("%w: rule %s: severity %.20q", ErrXCCDF, current.ID, current.Severity)
				}
			case name == "result" && current != nil:
				inResult = true
			}
		case xml.CharData:
			if inResult {
				current.Result += string(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "Rule":
				rule = ""
			case "result":
				inResult = false
			case "TestResult":
				inTest = false
			case "rule-result":
				if current == nil {
					break
				}
				if err := res.add(current, index); err != nil {
					return nil, err
				}
				current = nil
			}
		}
	}
	if res == nil {
		return nil, fmt.Errorf("%w: no TestResult: give the file oscap xccdf eval --results writes", ErrXCCDF)
	}
	if inTest {
		return nil, fmt.Errorf("%w: the TestResult is cut short", ErrXCCDF)
	}
	for i := range res.Rules {
		res.Rules[i].Title = titles[res.Rules[i].ID]
	}
	return res, nil
}

// add appends a rule-result, or merges it into the same rule's earlier one.
func (res *XCCDFResults) add(r *XCCDFRule, index map[string]int) error {
	r.Result = strings.TrimSpace(r.Result)
	st, ok := scapStatus[r.Result]
	if !ok {
		return fmt.Errorf("%w: rule %s: result %.20q", ErrXCCDF, r.ID, r.Result)
	}
	if st == "" {
		return nil // notselected
	}
	if i, ok := index[r.ID]; ok {
		if scapRank(st) < scapRank(scapStatus[res.Rules[i].Result]) {
			res.Rules[i].Result = r.Result
		}
		return nil
	}
	if len(res.Rules) >= maxXCCDFRules {
		return fmt.Errorf("%w: more than %d rule results", ErrXCCDF, maxXCCDFRules)
	}
	index[r.ID] = len(res.Rules)
	res.Rules = append(res.Rules, *r)
	return nil
}

// scapRank orders statuses worst first, as SCAPStatuses lists them.
func scapRank(s Status) int {
	for i, v := range SCAPStatuses {
		if v == s {
			return i
		}
	}
	return len(SCAPStatuses)
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Errors of SCAP.Validate, each wrapped with the field and how to fix it.
var (
	ErrSCAPDatastream     = errors.New("datastream must be the absolute path of a SCAP source data stream on the machine")
	ErrSCAPProfile        = errors.New("profile must be an XCCDF profile id")
	ErrSCAPRemediateAudit = errors.New(`remediate = true changes the machine, which mode = "audit" never does`)
)

var scapProfile = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.:-]*$`)

// Validate checks the scap block as far as it can be checked off the machine.
func (s SCAP) Validate() error {
	var errs []error
	switch {
	case s.Datastream == "":
		errs = append(errs, fmt.Errorf("scap.datastream is not set: %w, such as /usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml", ErrSCAPDatastream))
	case !strings.HasPrefix(s.Datastream, "/"):
		errs = append(errs, fmt.Errorf("scap.datastream %q is relative: %w (it is read there, not where packer runs)", s.Datastream, ErrSCAPDatastream))
	case strings.ContainsFunc(s.Datastream, func(r rune) bool { return r < ' ' || r == 0x7f }):
		errs = append(errs, fmt.Errorf("scap.datastream %q holds control characters: %w", s.Datastream, ErrSCAPDatastream))
	}
	switch {
	case s.Profile == "":
		errs = append(errs, fmt.Errorf("scap.profile is not set: %w, such as xccdf_org.ssgproject.content_profile_standard or its suffix standard (oscap info DATASTREAM lists them)", ErrSCAPProfile))
	case len(s.Profile) > 1024 || !scapProfile.MatchString(s.Profile):
		errs = append(errs, fmt.Errorf("scap.profile %q: %w of letters, digits, _ . : and -, such as xccdf_org.ssgproject.content_profile_standard", s.Profile, ErrSCAPProfile))
	}
	return errors.Join(errs...)
}
