package hardening

import (
	"errors"
	"fmt"
	"strings"
)

// Severity is how much a failing rule matters.
type Severity string

// Severities, lowest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// FailOnNone is the fail_on value that fails no build for rules.
const FailOnNone = "none"

// ErrBadSeverity is returned for a severity or fail_on value that is not one of the known ones.
var ErrBadSeverity = errors.New("unknown severity")

// ParseSeverity reads a severity name, ignoring case.
func ParseSeverity(s string) (Severity, error) {
	for _, sev := range Severities {
		if strings.EqualFold(s, string(sev)) {
			return sev, nil
		}
	}
	return "", fmt.Errorf("%w %q: use low, medium, high or critical", ErrBadSeverity, s)
}

// Rank orders severities: 1 for low up to 4 for critical, 0 if unknown.
func (s Severity) Rank() int {
	for i, sev := range Severities {
		if s == sev {
			return i + 1
		}
	}
	return 0
}

// FailOn is the lowest severity of a remaining failure that fails the build;
// the zero value fails none.
type FailOn Severity

// ParseFailOn reads a fail_on value: "none" or a severity.
func ParseFailOn(s string) (FailOn, error) {
	if strings.EqualFold(s, FailOnNone) {
		return "", nil
	}
	sev, err := ParseSeverity(s)
	if err != nil {
		return "", fmt.Errorf("%w %q: use none, low, medium, high or critical", ErrBadSeverity, s)
	}
	return FailOn(sev), nil
}

// String is the fail_on value as users write it.
func (f FailOn) String() string {
	if f == "" {
		return FailOnNone
	}
	return string(f)
}

// Reached says whether a remaining failure of severity s fails the build.
func (f FailOn) Reached(s Severity) bool {
	return f != "" && s.Rank() >= Severity(f).Rank()
}

// Mode says whether rules are fixed or only checked.
type Mode string

// Modes.
const (
	ModeEnforce Mode = "enforce" // check, fix what fails, check again
	ModeAudit   Mode = "audit"   // check only; nothing on the machine changes
)

// ErrBadMode is returned for a mode other than enforce or audit.
var ErrBadMode = errors.New("unknown mode")

// ParseMode reads a mode name, ignoring case.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{ModeEnforce, ModeAudit} {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w %q: use enforce or audit", ErrBadMode, s)
}

// Status is what a rule's check found.
type Status string

// Statuses. Before a fix a rule is pass, fail, not-applicable or error; after it, also fixed.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusFixed         Status = "fixed"
	StatusNotApplicable Status = "not-applicable"
	StatusError         Status = "error"
)

// Statuses lists every status in the order reports show them.
var Statuses = []Status{StatusFail, StatusError, StatusFixed, StatusPass, StatusNotApplicable}

// Valid says whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Failing says whether a rule in this final status still needs attention.
func (s Status) Failing() bool { return s == StatusFail || s == StatusError }

// Effect says when a rule's fix takes effect on the machine.
type Effect string

// Effects.
const (
	EffectNow      Effect = "now"       // files and permissions: at once
	EffectNextBoot Effect = "next-boot" // kernel parameters, modules, services, sshd: when the image boots
)
