package hardening

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestReportGolden(t *testing.T) {
	data, err := fixtureReport(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", data)
}

func TestReportMatchesSchema(t *testing.T) {
	data, err := fixtureReport(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSchema(data); err != nil {
		t.Fatal(err)
	}
	var bad map[string]any
	if err := json.Unmarshal(data, &bad); err != nil {
		t.Fatal(err)
	}
	bad["verdict"] = "maybe"
	data, _ = json.Marshal(bad)
	if err := validateSchema(data); err == nil {
		t.Error("the schema accepts verdict maybe")
	}
}

// validateSchema checks a report's JSON against ReportSchema.
func validateSchema(data []byte) error {
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(ReportSchema))
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("report.json", schema); err != nil {
		return err
	}
	sch, err := c.Compile("report.json")
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		failOn string
		want   Verdict
	}{
		{"none", VerdictWarn},
		{"critical", VerdictFail}, // ssb-b is critical and still fails
		{"low", VerdictFail},
	}
	for _, tt := range tests {
		t.Run(tt.failOn, func(t *testing.T) {
			plan := fixturePlan(t)
			b, _ := plan.Bundle()
			res, _ := ParseResults(strings.NewReader(fixtureResults()))
			meta := fixtureMeta()
			meta.FailOn, _ = ParseFailOn(tt.failOn)
			r, err := NewReport(meta, plan, b, res)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.want {
				t.Errorf("verdict %s, want %s (reasons %q)", r.Verdict, tt.want, r.Reasons)
			}
		})
	}
	t.Run("a failed script fails", func(t *testing.T) {
		plan := fixturePlan(t)
		b, _ := plan.Bundle()
		text := strings.Replace(fixtureResults(), record("script", "2", "0", "3", ""), record("script", "2", "4", "3", b64("oops\n")), 1)
		text = strings.Replace(text, "end\tok", "end\tscript-failed", 1)
		res, err := ParseResults(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		meta := fixtureMeta()
		meta.FailOn = ""
		r, err := NewReport(meta, plan, b, res)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != VerdictFail || r.Reasons[0] != "script 2 (inline) exited with 4" {
			t.Errorf("verdict %s, reasons %q", r.Verdict, r.Reasons)
		}
	})
}

func TestNewReportRejectsOtherResults(t *testing.T) {
	plan := fixturePlan(t)
	b, _ := plan.Bundle()
	tests := map[string]string{
		"another run":   strings.Replace(fixtureResults(), fixtureRunID, "ffffffffffffffffffffffffffffffff", 1),
		"unknown rule":  strings.Replace(fixtureResults(), "rule\tperm-c", "rule\tperm-z", 1),
		"extra scripts": strings.Replace(fixtureResults(), "end\tok", record("script", "3", "0", "1", "")+"end\tok", 1),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := ParseResults(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := NewReport(fixtureMeta(), plan, b, res); !errors.Is(err, ErrMismatch) {
				t.Errorf("error %v, want ErrMismatch", err)
			}
		})
	}
}

func TestParseReportRoundTrip(t *testing.T) {
	want := fixtureReport(t)
	data, err := want.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseReport(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseReportRejects(t *testing.T) {
	good, err := fixtureReport(t).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		data, _ := json.Marshal(m)
		return data
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"not json", []byte("{"), ErrInvalidReport},
		{"no version", edit(func(m map[string]any) { delete(m, "version") }), ErrReportVersion},
		{"version 2", edit(func(m map[string]any) { m["version"] = 2 }), ErrReportVersion},
		{"other tool", edit(func(m map[string]any) { m["tool"] = "x" }), ErrInvalidReport},
		{"bad verdict", edit(func(m map[string]any) { m["verdict"] = "ok" }), ErrInvalidReport},
		{"verdict that does not follow", edit(func(m map[string]any) { m["verdict"] = "pass"; m["verdict_reasons"] = []string{} }), ErrInvalidReport},
		{"counts that do not add up", edit(func(m map[string]any) { m["counts"].(map[string]any)["rules"] = 99 }), ErrInvalidReport},
		{"bad status", edit(func(m map[string]any) { m["rules"].([]any)[0].(map[string]any)["status"] = "meh" }), ErrInvalidReport},
		{"bad digest", edit(func(m map[string]any) { m["runner"].(map[string]any)["sha256"] = "abc" }), ErrInvalidReport},
		{"fixed in audit mode", edit(func(m map[string]any) { m["run"].(map[string]any)["mode"] = "audit" }), ErrInvalidReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseReport(tt.data); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParseReport(f *testing.F) {
	good, err := fixtureReport(f).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"tool":"golden-harden","rules":[{"severity":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReport(data)
		if err != nil {
			return
		}
		// What parses must marshal and parse again to the same report.
		again, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseReport(again); err != nil {
			t.Fatalf("a parsed report does not parse again: %v", err)
		}
	})
}
