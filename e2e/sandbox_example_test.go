package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// warmBudget is how long example/sandbox.pkr.hcl may take from a warm cache.
const warmBudget = 30 * time.Second

// TestSandboxExample builds example/sandbox.pkr.hcl as a user would, on the
// rig's cache (debootstrapped on the first run, a few minutes): the baseline
// passes with every applicable rule, from a warm cache within warmBudget.
func TestSandboxExample(t *testing.T) {
	sandboxtest.SkipIfShort(t)
	p := packertest.New(t)
	dir := t.TempDir()
	tmpl, err := os.ReadFile("../example/sandbox.pkr.hcl")
	sandboxMust(t, err)
	sandboxMust(t, os.WriteFile(filepath.Join(dir, "sandbox.pkr.hcl"), tmpl, 0o644))
	cache, err := rigpath.CacheDir()
	sandboxMust(t, err)

	res := p.Run(t, t.Context(), dir, []string{"GOLDEN_CACHE_DIR=" + cache}, "build", "-color=false", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer build exited %d", res.ExitCode)
	}
	var report struct {
		Verdict string `json:"verdict"`
		Rules   []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"rules"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "golden-harden-reports", "debian.json"))
	sandboxMust(t, err)
	sandboxMust(t, json.Unmarshal(b, &report))
	counts := map[string]int{}
	for _, r := range report.Rules {
		counts[r.Status]++
		if r.Status != "pass" && r.Status != "fixed" && r.Status != "not-applicable" {
			t.Errorf("rule %s: %s", r.ID, r.Status)
		}
	}
	if report.Verdict != "pass" || len(report.Rules) == 0 {
		t.Errorf("hardening verdict %q over %d rules, want pass", report.Verdict, len(report.Rules))
	}
	warm := strings.Contains(res.Output, "from the cache")
	t.Logf("example build: %s (warm cache: %v, root ready in %s); rules: %v", res.Duration.Round(100*time.Millisecond), warm, rootReady(res.Output), counts)
	if !warm {
		return // the first run on this machine debootstrapped
	}
	if load, cpus := loadAverage(t), runtime.NumCPU(); load > 2*float64(cpus) {
		t.Logf("the machine is busy (load %.1f on %d CPUs): the %s budget is not checked on this run", load, cpus, warmBudget)
	} else if res.Duration > warmBudget {
		t.Errorf("the example took %s from a warm cache, over its budget of %s", res.Duration, warmBudget)
	}
}

// loadAverage is the one-minute load average.
func loadAverage(t *testing.T) float64 {
	t.Helper()
	b, err := os.ReadFile("/proc/loadavg")
	sandboxMust(t, err)
	load, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	sandboxMust(t, err)
	return load
}
