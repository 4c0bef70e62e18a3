package hardening

import (
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// record joins fields into a record line.
func record(fields ...string) string { return strings.Join(fields, "\t") + "\n" }

const fixtureRunID = "0123456789abcdef0123456789abcdef"

// fixtureCatalogue has a rule of every severity and one of every outcome.
func fixtureCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	rule := func(id string, sev Severity, effect Effect) Rule {
		category, _, _ := strings.Cut(id, "-")
		return Rule{ID: id, Category: category, Title: "Title of " + id, Severity: sev, Effect: effect, Rationale: "Why " + id + ".", Check: "true", References: []string{"CIS Example 1.2.3"}}
	}
	c, err := NewCatalogue(
		rule("ssh-a", SeverityHigh, EffectNextBoot),
		rule("ssh-b", SeverityCritical, EffectNextBoot),
		rule("perm-c", SeverityMedium, EffectNow),
		rule("perm-d", SeverityLow, EffectNow),
		rule("na-e", SeverityMedium, EffectNow),
		rule("err-f", SeverityLow, EffectNow),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixturePlan(t testing.TB) Plan {
	t.Helper()
	sel, err := fixtureCatalogue(t).Select(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	return Plan{
		RunID: fixtureRunID, Mode: ModeEnforce, Selected: sel,
		Scripts: []Script{{Name: "scripts/install.sh", Content: []byte("#!/bin/sh\necho installing\n")}, {Name: "inline", Content: []byte("#!/bin/sh -e\ntrue\n")}},
		Env:     []EnvVar{{Name: "TOKEN", Value: "it's secret"}},
	}
}

const fixtureOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
`

// fixtureResults is what the runner writes for fixturePlan.
func fixtureResults() string {
	return record("results", "1", fixtureRunID) +
		record("os", b64(fixtureOSRelease), "6.1.0-18-amd64", "x86_64") +
		record("rule", "ssh-a", "fail", "fixed", "120", b64("sshd -T: permitrootlogin yes; want no\n"), b64("sshd -T: permitrootlogin no; want no\n")) +
		record("rule", "ssh-b", "fail", "fail", "80", b64("sshd -T: ciphers 3des-cbc\nnot allowed: 3des-cbc\n"), b64("needs a person: <remove> 3des-cbc & co\n")) +
		record("rule", "perm-c", "pass", "pass", "5", b64("/etc/passwd: mode 644\n"), "") +
		record("rule", "perm-d", "fail", "fixed", "7", b64("/etc/crontab: mode 644\n"), b64("/etc/crontab: mode 600\n")) +
		record("rule", "na-e", "not-applicable", "not-applicable", "1", b64("cron is not installed\n"), "") +
		record("rule", "err-f", "fail", "error", "9", b64("bad\n"), b64("the fix exited with 2:\nboom\n")) +
		record("script", "1", "0", "1500", b64("installing\n")) +
		record("script", "2", "0", "3", "") +
		record("end", "ok", "1800")
}

func fixtureMeta() Meta {
	return Meta{
		PackerRunUUID: "6d1f4c2a-1111-2222-3333-444455556666", BuildName: "amazon-ebs.golden", PluginVersion: "0.1.0-dev",
		FailOn: FailOn(SeverityHigh), Started: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Duration: 2500 * time.Millisecond,
	}
}

// fixtureReport is the report of fixturePlan and fixtureResults.
func fixtureReport(t testing.TB) *Report {
	t.Helper()
	plan := fixturePlan(t)
	b, err := plan.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseResults(strings.NewReader(fixtureResults()))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReport(fixtureMeta(), plan, b, res)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
