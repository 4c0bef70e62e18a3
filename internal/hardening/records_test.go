package hardening

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		line string
		want Record
	}{
		{"results\t1\t" + fixtureRunID, Record{Kind: RecordResults, Version: 1, RunID: fixtureRunID}},
		{"begin\trule\tsshd-ciphers", Record{Kind: RecordBegin, Begin: "rule", ID: "sshd-ciphers"}},
		{"begin\tscript\t3", Record{Kind: RecordBegin, Begin: "script", Index: 3}},
		{"rule\tx-y\tfail\tfixed\t12\t" + b64("before") + "\t" + b64("after"),
			Record{Kind: RecordRule, Rule: RuleResult{ID: "x-y", Before: StatusFail, After: StatusFixed, Duration: 12 * time.Millisecond, EvidenceBefore: "before", EvidenceAfter: "after"}}},
		{"rule\tx\tpass\tpass\t0\t\t", Record{Kind: RecordRule, Rule: RuleResult{ID: "x", Before: StatusPass, After: StatusPass}}},
		{"script\t2\t-1\t0\t" + b64("not run"), Record{Kind: RecordScript, Script: ScriptResult{Index: 2, ExitCode: -1, OutputTail: "not run"}}},
		{"fatal\t" + b64("no sudo"), Record{Kind: RecordFatal, Message: "no sudo"}},
		{"end\tscript-failed\t1500\n", Record{Kind: RecordEnd, End: EndScriptFailed, Elapsed: 1500 * time.Millisecond}},
		{"os\t" + b64("ID=debian\nID_LIKE=\"a b\"\n") + "\t6.1\taarch64",
			Record{Kind: RecordOS, OS: OSFacts{ID: "debian", IDLike: []string{"a", "b"}, Kernel: "6.1", Arch: "aarch64"}}},
		{"rule\tx\tpass\tpass\t1\t" + b64("\xff\xfe") + "\t", Record{Kind: RecordRule, Rule: RuleResult{ID: "x", Before: StatusPass, After: StatusPass, Duration: time.Millisecond, EvidenceBefore: "\uFFFD"}}},
	}
	for _, tt := range tests {
		t.Run(strings.SplitN(tt.line, "\t", 2)[0], func(t *testing.T) {
			got, err := ParseRecord(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRecordRejects(t *testing.T) {
	for _, line := range []string{
		"",
		"hello",
		"results\t2\t" + fixtureRunID,
		"results\t1\tXYZ",
		"begin\tstep\t1",
		"begin\trule\tBad_ID",
		"begin\tscript\t0",
		"rule\tx\tfixed\tfixed\t1\t\t",
		"rule\tx\tpass\tmaybe\t1\t\t",
		"rule\tx\tpass\tpass\t-4\t\t",
		"rule\tx\tpass\tpass\t1\t!!\t",
		"rule\tx\tpass\tpass\t1\t",
		"script\t1\t256\t1\t",
		"script\tone\t0\t1\t",
		"end\tmaybe\t1",
		"fatal",
		"os\t\t6.1 x\tx86_64",
		"os\t\t\tx86_64",
	} {
		if _, err := ParseRecord(line); !errors.Is(err, ErrRecord) {
			t.Errorf("ParseRecord(%q) error %v, want ErrRecord", line, err)
		}
	}
}

func TestParseResults(t *testing.T) {
	res, err := ParseResults(strings.NewReader(fixtureResults()))
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != fixtureRunID || len(res.Rules) != 6 || len(res.Scripts) != 2 || res.End != EndOK || res.OS.PrettyName != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("results %+v", res)
	}
}

func TestParseResultsRejects(t *testing.T) {
	full := fixtureResults()
	cut := full[:strings.Index(full, "end\t")]
	tests := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", ErrIncomplete},
		{"cut before the end record", cut, ErrIncomplete},
		{"cut mid-record", full[:len(full)-5], ErrRecord},
		{"no results record first", strings.SplitN(full, "\n", 2)[1], ErrRecord},
		{"two results records", record("results", "1", fixtureRunID) + full, ErrRecord},
		{"a record after the end", full + record("fatal", b64("late")), ErrRecord},
		{"a rule twice", strings.Replace(full, "end\t", strings.SplitAfter(full, "\n")[2]+"end\t", 1), ErrRecord},
		{"a begin record", strings.Replace(full, "end\t", "begin\trule\tx\nend\t", 1), ErrRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseResults(strings.NewReader(tt.text)); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseOSRelease(t *testing.T) {
	got := ParseOSRelease("# comment\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 24.04 \\\"Noble\\\"\"\nVERSION_ID='24.04'\nbroken line\n=x\nA B=c\n")
	want := map[string]string{"ID": "ubuntu", "ID_LIKE": "debian", "PRETTY_NAME": `Ubuntu 24.04 "Noble"`, "VERSION_ID": "24.04"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, line := range strings.Split(fixtureResults(), "\n") {
		f.Add(line)
	}
	f.Add("begin\tscript\t7")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseRecord(line)
		if err != nil {
			if !errors.Is(err, ErrRecord) {
				t.Fatalf("error %v does not wrap ErrRecord", err)
			}
			return
		}
		if r.Kind == RecordRule && (!r.Rule.Before.Valid() || !r.Rule.After.Valid()) {
			t.Fatalf("accepted statuses %q %q", r.Rule.Before, r.Rule.After)
		}
	})
}

func FuzzParseResults(f *testing.F) {
	f.Add(fixtureResults())
	f.Add(record("results", "1", fixtureRunID) + record("end", "ok", "1"))
	f.Fuzz(func(t *testing.T, text string) {
		res, err := ParseResults(strings.NewReader(text))
		if err == nil && res.End == "" {
			t.Fatal("accepted results without an end record")
		}
	})
}

func FuzzParseOSRelease(f *testing.F) {
	f.Add(fixtureOSRelease)
	f.Add("A=\"\\\"")
	f.Fuzz(func(t *testing.T, s string) {
		for k := range ParseOSRelease(s) {
			if k == "" || strings.ContainsAny(k, " \t\n=") {
				t.Fatalf("key %q", k)
			}
		}
	})
}
