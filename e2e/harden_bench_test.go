package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

var hardenBenchDoc = flag.Bool("harden.benchdoc", false, "write the golden-harden section of docs/benchmarks.md from BenchmarkHardenScripts")

// benchScriptCounts are the sizes compared (issue 9: 1, 10 and 50 scripts).
var benchScriptCounts = []int{1, 10, 50}

// BenchmarkHardenScripts compares the wall time of `packer build` running the
// same user scripts through Packer's shell provisioner and through golden-harden
// (profile none: scripts only), over SSH to the sandbox. One iteration builds
// every case once, interleaved, so drift hits all cases alike; run it with
// -benchtime=Nx for N rounds. Provisioner time is the build's wall time minus
// the median of a build without provisioners.
func BenchmarkHardenScripts(b *testing.B) {
	s := sandboxtest.StartSSH(b)
	p := packertest.New(b)
	type benchCase struct{ name, dir string }
	cases := []benchCase{{name: "none", dir: benchTemplate(b, s, "")}}
	for _, n := range benchScriptCounts {
		scripts := benchScripts(b, n)
		list := `["` + strings.Join(scripts, `", "`) + `"]`
		cases = append(cases,
			benchCase{fmt.Sprintf("shell/%d", n), benchTemplate(b, s, fmt.Sprintf(`  provisioner "shell" {
    scripts = %s
  }`, list))},
			benchCase{fmt.Sprintf("golden-harden/%d", n), benchTemplate(b, s, fmt.Sprintf(`  provisioner "golden-harden" {
    profile    = "none"
    scripts    = %s
    report_dir     = "reports"
    rendezvous_dir = "rendezvous"
  }`, list))})
	}
	cases = append(cases, benchCase{"baseline-audit", benchTemplate(b, s, `  provisioner "golden-harden" {
    mode           = "audit"
    fail_on        = "none"
    report_dir     = "reports"
    rendezvous_dir = "rendezvous"
  }`)})
	// One untimed round installs the plugins' caches and warms the sandbox.
	for _, c := range cases {
		benchBuild(b, p, c.dir)
	}
	times := map[string][]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for _, c := range cases {
			times[c.name] = append(times[c.name], benchBuild(b, p, c.dir))
		}
	}
	b.StopTimer()
	base := benchMedian(times["none"])
	for _, c := range cases {
		b.ReportMetric(float64(benchMedian(times[c.name]).Milliseconds()), c.name+"-ms")
	}
	for _, n := range benchScriptCounts {
		sh := benchMedian(times[fmt.Sprintf("shell/%d", n)]) - base
		gh := benchMedian(times[fmt.Sprintf("golden-harden/%d", n)]) - base
		b.ReportMetric(float64(gh)/float64(sh), fmt.Sprintf("ratio-%d", n))
	}
	b.ReportMetric(float64((benchMedian(times["baseline-audit"]) - base).Milliseconds()), "baseline-audit-provisioner-ms")
	if *hardenBenchDoc {
		// The baseline in enforce mode on a fresh root, once: it installs packages.
		fresh := sandboxtest.StartSSH(b)
		enforce := benchBuild(b, p, benchTemplate(b, fresh, `  provisioner "golden-harden" {
    report_dir     = "reports"
    rendezvous_dir = "rendezvous"
  }`))
		again := benchBuild(b, p, benchTemplate(b, fresh, `  provisioner "golden-harden" {
    report_dir     = "reports"
    rendezvous_dir = "rendezvous"
  }`))
		if err := writeBenchSection(filepath.Join("..", "docs", "benchmarks.md"), benchSection(times, b.N, enforce-base, again-base)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTemplate writes a null build over SSH to the sandbox with the given provisioners.
func benchTemplate(b *testing.B, s *sandboxtest.SSH, provisioners string) string {
	b.Helper()
	dir := b.TempDir()
	text := fmt.Sprintf(`packer {
  required_plugins {
    golden = {
      source  = "github.com/goldenami/golden"
      version = ">= 0.1.0"
    }
  }
}

source "null" "bench" {
  communicator         = "ssh"
  ssh_host             = "127.0.0.1"
  ssh_port             = %d
  ssh_username         = "root"
  ssh_private_key_file = %q
}

build {
  sources = ["source.null.bench"]
%s
}
`, s.Port, s.PrivateKey, provisioners)
	if err := os.WriteFile(filepath.Join(dir, "bench.pkr.hcl"), []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchScripts writes n small scripts, each doing a little real work.
func benchScripts(b *testing.B, n int) []string {
	b.Helper()
	dir := b.TempDir()
	var paths []string
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("step-%02d.sh", i))
		body := fmt.Sprintf("#!/bin/sh\nset -e\necho \"step %d on $(hostname)\"\nmkdir -p /opt/bench && echo %d > /opt/bench/step-%02d\n", i, i, i)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

func benchBuild(b *testing.B, p *packertest.Packer, dir string) time.Duration {
	b.Helper()
	start := time.Now()
	cmd := p.Command(b.Context(), dir, nil, "build", "-color=false", ".")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("packer build in %s: %v\n%s", dir, err, out.String())
	}
	return time.Since(start)
}

func benchMedian(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func benchMS(d time.Duration) string { return fmt.Sprintf("%d", d.Milliseconds()) }

// benchSection renders the golden-harden section of docs/benchmarks.md.
func benchSection(times map[string][]time.Duration, rounds int, enforce, again time.Duration) string {
	var b strings.Builder
	base := benchMedian(times["none"])
	fmt.Fprintf(&b, "## golden-harden\n\n")
	fmt.Fprintf(&b, "The same user scripts run by Packer's `shell` provisioner and by `golden-harden` (`profile = \"none\"`, so only the scripts), "+
		"in `packer build` of a `null` source over SSH to the Debian 12 sandbox on 127.0.0.1. "+
		"Each script echoes a line and writes a file. Medians of %d interleaved rounds, after one warm-up round; min–max in brackets. "+
		"*Provisioner* time is the build's wall time minus the median of the same build without provisioners (%s ms: packer, plugin start, SSH connect).\n\n",
		rounds, benchMS(base))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs (%s/%s), %s. Generated by `go test ./e2e -run '^$' -bench BenchmarkHardenScripts -benchtime=%dx -harden.benchdoc` on %s.\n\n",
		benchCPU(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), rounds, time.Now().UTC().Format("2006-01-02"))
	b.WriteString("| scripts | shell: build (ms) | golden-harden: build (ms) | shell: provisioner (ms) | golden-harden: provisioner (ms) | ratio golden-harden / shell (provisioner) | ratio (whole build) |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range benchScriptCounts {
		sh, gh := times[fmt.Sprintf("shell/%d", n)], times[fmt.Sprintf("golden-harden/%d", n)]
		shNet, ghNet := benchMedian(sh)-base, benchMedian(gh)-base
		fmt.Fprintf(&b, "| %d | %s [%s–%s] | %s [%s–%s] | %s | %s | %.2f | %.2f |\n", n,
			benchMS(benchMedian(sh)), benchMS(slices.Min(sh)), benchMS(slices.Max(sh)),
			benchMS(benchMedian(gh)), benchMS(slices.Min(gh)), benchMS(slices.Max(gh)),
			benchMS(shNet), benchMS(ghNet), float64(ghNet)/float64(shNet), float64(benchMedian(gh))/float64(benchMedian(sh)))
	}
	b.WriteString("\nThe shell provisioner uploads, runs and removes each script in turn (three SSH round trips a script); " +
		"golden-harden uploads one bundle, runs one command and downloads one results file, however many scripts there are. " +
		"Its fixed cost is a plugin process, the runner's checks (the bundle's sha256, every file against SHA256SUMS) and the download. " +
		"The machine is shared with other work: small differences (tens of milliseconds) are within its noise; compare the min–max ranges.\n\n")
	fmt.Fprintf(&b, "The baseline itself (%d rules, provisioner time): audit mode on the sandbox, median of the rounds: %s ms; "+
		"enforce mode on a fresh root, once: %s ms, most of it `apt-get` installing unattended-upgrades, auditd, chrony and nftables from the Debian mirror; "+
		"enforce mode again on the hardened root: %s ms.\n",
		len(hardening.Default().Rules), benchMS(benchMedian(times["baseline-audit"])-base), benchMS(enforce), benchMS(again))
	return b.String()
}

func benchCPU() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

const (
	benchBegin = "<!-- golden-harden benchmark: begin (generated by e2e/harden_bench_test.go) -->"
	benchEnd   = "<!-- golden-harden benchmark: end -->"
)

// writeBenchSection replaces the golden-harden section of path, between its
// markers, leaving the rest of the file (other components' sections) alone.
func writeBenchSection(path, section string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(data)
	if text == "" {
		text = "# Benchmarks\n\nEach section is generated by its component's benchmark (`make bench`); do not edit them by hand.\n"
	}
	block := benchBegin + "\n" + section + benchEnd
	if i, j := strings.Index(text, benchBegin), strings.Index(text, benchEnd); i >= 0 && j > i {
		text = text[:i] + block + text[j+len(benchEnd):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
