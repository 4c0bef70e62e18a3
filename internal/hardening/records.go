package hardening

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The runner streams one record per line on stdout, behind the bundle's marker,
// fields separated by tabs, free text in base64 (run.sh). The results are the
// records below; begin records only mark progress.
//
//	results  VERSION RUNID
//	os       B64(/etc/os-release) KERNEL ARCH        (uname -r, uname -m)
//	begin    rule ID | script INDEX              (not in the results)
//	rule     ID BEFORE AFTER MS B64(EVIDENCE) B64(EVIDENCE AFTER)
//	script   INDEX EXITCODE MS B64(OUTPUT TAIL)      (the runner leaves the tail
//	                                                to the provisioner, which sees the output)
//	scapdata B64(PART)                          (the scap record's results, in parts)
//	scap     SHA256 EXITCODE MS gzip|xml BYTES  (oscap xccdf eval: the data stream's
//	                                                sha256; the results are the scapdata
//	                                                parts before it: BYTES, gzipped or not)
//	fatal    B64(MESSAGE)
//	end      ok|script-failed|failed MS

// RecordKind names a record.
type RecordKind string

// Record kinds.
const (
	RecordResults  RecordKind = "results"
	RecordOS       RecordKind = "os"
	RecordBegin    RecordKind = "begin"
	RecordRule     RecordKind = "rule"
	RecordScript   RecordKind = "script"
	RecordFatal    RecordKind = "fatal"
	RecordEnd      RecordKind = "end"
	RecordSCAP     RecordKind = "scap"
	RecordSCAPPart RecordKind = "scapdata"
)

// ResultsVersion is the version of the record format this package reads.
const ResultsVersion = 1

// End statuses.
const (
	EndOK           = "ok"
	EndScriptFailed = "script-failed"
	EndFailed       = "failed"
)

// Record is one parsed record; the fields of its kind are set.
type Record struct {
	Kind    RecordKind
	Version int          // results
	RunID   string       // results
	OS      OSFacts      // os
	Begin   string       // begin: "rule", "script" or "scap"
	ID      string       // begin rule
	Index   int          // begin script
	Rule    RuleResult   // rule
	Script  ScriptResult // script
	Message string       // fatal
	SCAP    SCAPRecord   // scap
	Part    []byte       // scapdata
	End     string       // end
	Elapsed time.Duration
}

// RuleResult is what the runner found for one rule.
type RuleResult struct {
	ID             string
	Before, After  Status
	Duration       time.Duration
	EvidenceBefore string
	EvidenceAfter  string
}

// ScriptResult is how one user script ended; ExitCode -1 means it did not run.
type ScriptResult struct {
	Index      int
	ExitCode   int
	Duration   time.Duration
	OutputTail string
}

// SCAPRecord is the scap record: how oscap xccdf eval ended, and the format
// and size of its results, streamed before it in scapdata records.
type SCAPRecord struct {
	SHA256   string // of the data stream
	ExitCode int    // 0 all passed, 2 some failed (1, an error, is a fatal record)
	Duration time.Duration
	Gzip     bool
	Bytes    int
}

// SCAPResult is what the scap step found.
type SCAPResult struct {
	SHA256      string
	ExitCode    int
	Duration    time.Duration
	StreamBytes int // the results as streamed (gzipped)
	XCCDF       *XCCDFResults
}

// ErrRecord is wrapped by every error about a malformed record.
var ErrRecord = errors.New("malformed record")

var (
	recordRuleID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	recordRunID  = regexp.MustCompile(`^[0-9a-f]{16,64}$`)
	unameWord    = regexp.MustCompile(`^[!-~]{1,128}$`)
)

// ParseRecord parses one record line (without the stream marker).
func ParseRecord(line string) (Record, error) {
	f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
	r := Record{Kind: RecordKind(f[0])}
	bad := func(format string, a ...any) (Record, error) {
		return Record{}, fmt.Errorf("%w %.60q: %s", ErrRecord, line, fmt.Sprintf(format, a...))
	}
	want := map[RecordKind]int{RecordResults: 3, RecordOS: 4, RecordBegin: 3, RecordRule: 7, RecordScript: 5, RecordFatal: 2, RecordEnd: 3, RecordSCAP: 6, RecordSCAPPart: 2}
	n, ok := want[r.Kind]
	if !ok {
		return bad("unknown kind")
	}
	if len(f) != n {
		return bad("%d fields, want %d", len(f), n)
	}
	var err error
	switch r.Kind {
	case RecordResults:
		if r.Version, err = strconv.Atoi(f[1]); err != nil || r.Version != ResultsVersion {
			return bad("version %q, want %d: the runner and the plugin do not match", f[1], ResultsVersion)
		}
		if !recordRunID.MatchString(f[2]) {
			return bad("run id %q", f[2])
		}
		r.RunID = f[2]
	case RecordOS:
		osRelease, err := text(f[1])
		if err != nil {
			return bad("%v", err)
		}
		if !unameWord.MatchString(f[2]) || !unameWord.MatchString(f[3]) {
			return bad("kernel %q, arch %q", f[2], f[3])
		}
		r.OS = osFacts(osRelease, f[2], f[3])
	case RecordBegin:
		r.Begin = f[1]
		switch f[1] {
		case "rule":
			if !recordRuleID.MatchString(f[2]) {
				return bad("rule id %q", f[2])
			}
			r.ID = f[2]
		case "script":
			if r.Index, err = positive(f[2]); err != nil {
				return bad("script index: %v", err)
			}
		case "scap":
			r.ID = f[2] // the profile, for the UI
		default:
			return bad("begin %q", f[1])
		}
	case RecordRule:
		rr := RuleResult{ID: f[1], Before: Status(f[2]), After: Status(f[3])}
		if !recordRuleID.MatchString(rr.ID) {
			return bad("rule id %q", rr.ID)
		}
		if !rr.Before.Valid() || rr.Before == StatusFixed || !rr.After.Valid() {
			return bad("statuses %q %q", rr.Before, rr.After)
		}
		if rr.Duration, err = millis(f[4]); err != nil {
			return bad("duration: %v", err)
		}
		if rr.EvidenceBefore, err = text(f[5]); err != nil {
			return bad("evidence: %v", err)
		}
		if rr.EvidenceAfter, err = text(f[6]); err != nil {
			return bad("evidence: %v", err)
		}
		r.Rule = rr
	case RecordScript:
		sr := ScriptResult{}
		if sr.Index, err = positive(f[1]); err != nil {
			return bad("script index: %v", err)
		}
		if sr.ExitCode, err = strconv.Atoi(f[2]); err != nil || sr.ExitCode < -1 || sr.ExitCode > 255 {
			return bad("exit code %q", f[2])
		}
		if sr.Duration, err = millis(f[3]); err != nil {
			return bad("duration: %v", err)
		}
		if sr.OutputTail, err = text(f[4]); err != nil {
			return bad("output: %v", err)
		}
		r.Script = sr
	case RecordFatal:
		if r.Message, err = text(f[1]); err != nil {
			return bad("message: %v", err)
		}
	case RecordSCAPPart:
		if r.Part, err = base64.StdEncoding.DecodeString(f[1]); err != nil {
			return bad("bad base64: %v", err)
		}
	case RecordSCAP:
		sr := SCAPRecord{SHA256: f[1]}
		if !hexSHA256.MatchString(sr.SHA256) {
			return bad("sha256 %q", f[1])
		}
		if sr.ExitCode, err = strconv.Atoi(f[2]); err != nil || sr.ExitCode != 0 && sr.ExitCode != 2 {
			return bad("oscap exit code %q, want 0 or 2", f[2])
		}
		if sr.Duration, err = millis(f[3]); err != nil {
			return bad("duration: %v", err)
		}
		switch f[4] {
		case "gzip":
			sr.Gzip = true
		case "xml":
		default:
			return bad("format %q", f[4])
		}
		if sr.Bytes, err = strconv.Atoi(f[5]); err != nil || sr.Bytes < 1 || sr.Bytes > MaxSCAPStream {
			return bad("size %q: want 1 to %d bytes", f[5], MaxSCAPStream)
		}
		r.SCAP = sr
	case RecordEnd:
		switch f[1] {
		case EndOK, EndScriptFailed, EndFailed:
			r.End = f[1]
		default:
			return bad("end status %q", f[1])
		}
		if r.Elapsed, err = millis(f[2]); err != nil {
			return bad("duration: %v", err)
		}
	}
	return r, nil
}

// Results are the runner's records, parsed.
type Results struct {
	RunID   string
	OS      OSFacts
	Rules   []RuleResult
	Scripts []ScriptResult
	SCAP    *SCAPResult // nil if the scap step did not run
	Fatal   string
	End     string // "" if the runner did not finish
	Elapsed time.Duration
}

// ErrIncomplete is returned for results the runner did not finish writing.
var ErrIncomplete = errors.New("the results are incomplete: the runner did not finish")

// ParseResults reads the records of the results, one a line, without their
// marker and without begin records: a results record first, an end record last.
func ParseResults(r io.Reader) (*Results, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	res := &Results{}
	seen := map[string]bool{}
	n := 0
	var scap []byte // the scapdata parts so far
	for sc.Scan() {
		n++
		rec, err := ParseRecord(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("results line %d: %w", n, err)
		}
		if res.End != "" {
			return nil, fmt.Errorf("results line %d: %w %s after the end record", n, ErrRecord, rec.Kind)
		}
		if n == 1 && rec.Kind != RecordResults || n > 1 && rec.Kind == RecordResults {
			return nil, fmt.Errorf("results line %d: %w: the results record must come first, once", n, ErrRecord)
		}
		switch rec.Kind {
		case RecordResults:
			res.RunID = rec.RunID
		case RecordOS:
			res.OS = rec.OS
		case RecordRule:
			if seen[rec.Rule.ID] {
				return nil, fmt.Errorf("results line %d: %w: rule %s twice", n, ErrRecord, rec.Rule.ID)
			}
			seen[rec.Rule.ID] = true
			res.Rules = append(res.Rules, rec.Rule)
		case RecordScript:
			res.Scripts = append(res.Scripts, rec.Script)
		case RecordSCAPPart:
			if len(scap)+len(rec.Part) > MaxSCAPStream {
				return nil, fmt.Errorf("results line %d: %w: more than %d bytes of SCAP results", n, ErrRecord, MaxSCAPStream)
			}
			scap = append(scap, rec.Part...)
		case RecordSCAP:
			if res.SCAP != nil {
				return nil, fmt.Errorf("results line %d: %w: scap twice", n, ErrRecord)
			}
			if res.SCAP, err = scapResult(rec.SCAP, scap); err != nil {
				return nil, fmt.Errorf("results line %d: %w", n, err)
			}
			scap = nil
		case RecordFatal:
			res.Fatal = rec.Message
		case RecordEnd:
			res.End, res.Elapsed = rec.End, rec.Elapsed
		case RecordBegin:
			return nil, fmt.Errorf("results line %d: %w: begin records are not part of the results", n, ErrRecord)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the results: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no records", ErrIncomplete)
	}
	if res.End == "" {
		return nil, fmt.Errorf("%w: no end record after %d records", ErrIncomplete, n)
	}
	if len(scap) > 0 {
		return nil, fmt.Errorf("%w: SCAP results without their scap record", ErrRecord)
	}
	return res, nil
}

// Bounds of the SCAP results: as streamed (the runner sends the TestResult
// and the judged rules' titles, gzipped: some KiB for SSG profiles), and
// unpacked (a whole results file with its Benchmark is about 10 MB).
const (
	MaxSCAPStream = 16 << 20
	maxSCAPXML    = 128 << 20
)

// scapResult checks and reads the streamed XCCDF results of a scap record.
func scapResult(rec SCAPRecord, data []byte) (*SCAPResult, error) {
	if len(data) != rec.Bytes {
		return nil, fmt.Errorf("%w: %d bytes of SCAP results, the scap record says %d", ErrRecord, len(data), rec.Bytes)
	}
	doc := data
	if rec.Gzip {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: SCAP results: %w", ErrRecord, err)
		}
		if doc, err = io.ReadAll(io.LimitReader(zr, maxSCAPXML+1)); err != nil {
			return nil, fmt.Errorf("%w: SCAP results: %w", ErrRecord, err)
		}
		if len(doc) > maxSCAPXML {
			return nil, fmt.Errorf("%w: SCAP results unpack to more than %d bytes", ErrRecord, maxSCAPXML)
		}
	}
	x, err := ParseXCCDF(doc)
	if err != nil {
		return nil, err
	}
	return &SCAPResult{SHA256: rec.SHA256, ExitCode: rec.ExitCode, Duration: rec.Duration, StreamBytes: len(data), XCCDF: x}, nil
}

// OSFacts describes the machine that was hardened.
type OSFacts struct {
	ID         string   `json:"id"`
	VersionID  string   `json:"version_id"`
	PrettyName string   `json:"pretty_name"`
	IDLike     []string `json:"id_like"`
	Kernel     string   `json:"kernel"`
	Arch       string   `json:"arch"`
}

// osFacts reads the fields golden-harden reports from os-release(5) text.
func osFacts(osRelease, kernel, arch string) OSFacts {
	kv := ParseOSRelease(osRelease)
	facts := OSFacts{ID: kv["ID"], VersionID: kv["VERSION_ID"], PrettyName: kv["PRETTY_NAME"], IDLike: strings.Fields(kv["ID_LIKE"]),
		Kernel: strings.TrimSpace(kernel), Arch: strings.TrimSpace(arch)}
	if facts.IDLike == nil {
		facts.IDLike = []string{}
	}
	return facts
}

var osReleaseUnescape = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`")

// ParseOSRelease reads os-release(5) assignments; malformed lines are skipped,
// as systemd does.
func ParseOSRelease(s string) map[string]string {
	kv := map[string]string{}
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.HasPrefix(line, "#") || strings.ContainsAny(k, " \t") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = osReleaseUnescape.Replace(v[1 : len(v)-1])
		}
		kv[k] = v
	}
	return kv
}

// text decodes a base64 field into valid UTF-8.
func text(field string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(field)
	if err != nil {
		return "", fmt.Errorf("bad base64: %w", err)
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}

func millis(s string) (time.Duration, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms < 0 || ms > int64(365*24*time.Hour/time.Millisecond) {
		return 0, fmt.Errorf("%q is not a duration in milliseconds", s)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func positive(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, fmt.Errorf("%q is not a positive number", s)
	}
	return n, nil
}
