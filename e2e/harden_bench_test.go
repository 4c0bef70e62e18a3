package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/plugin"

	"github.com/goldenami/packer-plugin-golden/internal/benchdoc"
	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// benchScriptCounts are the sizes compared (issue 9: 1, 10 and 50 scripts).
var benchScriptCounts = []int{1, 10, 50}

// BenchmarkHardenScripts compares the wall time of `packer build` running the
// same user scripts through Packer's shell provisioner and through golden-harden
// (profile none: scripts only), over SSH to the sandbox. One iteration builds
// every case once, interleaved, so drift hits all cases alike; run it with
// -benchtime=Nx for N rounds. Provisioner time is the build's wall time minus
// the median of a build without provisioners. -bench.out also times the
// baseline in enforce mode and writes the results for internal/cmd/benchdoc.
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
	res := benchdoc.Harden{Scripts: benchScriptCounts, Builds: map[string][]time.Duration{}, Rules: len(hardening.Default().Rules)}
	for b.Loop() {
		for _, c := range cases {
			res.Builds[c.name] = append(res.Builds[c.name], benchBuild(b, p, c.dir))
		}
		res.Rounds++
	}
	for _, c := range cases {
		b.ReportMetric(float64(benchdoc.Median(res.Builds[c.name]).Milliseconds()), c.name+"-ms")
	}
	for _, n := range benchScriptCounts {
		b.ReportMetric(float64(res.Provisioner(fmt.Sprintf("golden-harden/%d", n)))/float64(res.Provisioner(fmt.Sprintf("shell/%d", n))), fmt.Sprintf("ratio-%d", n))
	}
	b.ReportMetric(float64(res.Provisioner("baseline-audit").Milliseconds()), "baseline-audit-provisioner-ms")
	for range 15 {
		res.PluginStart = append(res.PluginStart, pluginStart(b, p))
	}
	b.ReportMetric(float64(benchdoc.Median(res.PluginStart).Microseconds())/1e3, "plugin-start-ms")
	if *benchOut == "" {
		return
	}
	// For the document, the baseline in enforce mode on a fresh root, once
	// (it installs packages), then again on the hardened root.
	fresh := sandboxtest.StartSSH(b)
	enforce := benchTemplate(b, fresh, `  provisioner "golden-harden" {
    report_dir     = "reports"
    rendezvous_dir = "rendezvous"
  }`)
	base := benchdoc.Median(res.Builds["none"])
	res.Enforce = benchBuild(b, p, enforce) - base
	res.EnforceAgain = benchBuild(b, p, enforce) - base
	writeBenchResult(b, benchdoc.HardenFile, res)
}

// benchTemplate writes a null build over SSH to the sandbox with the given provisioners.
func benchTemplate(b *testing.B, s *sandboxtest.SSH, provisioners string) string {
	b.Helper()
	dir := b.TempDir()
	text := fmt.Sprintf(requiredPlugins("golden")+`
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

// pluginStart is how long the installed plugin takes, from exec until it is
// ready to serve golden-harden (its handshake line): what packer waits for
// before a plugin's provisioner runs, and the built-in shell provisioner not.
func pluginStart(b *testing.B, p *packertest.Packer) time.Duration {
	b.Helper()
	bins, err := filepath.Glob(filepath.Join(p.PluginDir, "github.com", "goldenami", "golden", "packer-plugin-golden_*"))
	if err != nil || len(bins) == 0 {
		b.Fatalf("no golden plugin installed in %s: %v", p.PluginDir, err)
	}
	cmd := exec.CommandContext(b.Context(), bins[0], "start", "provisioner", "golden-harden")
	cmd.Env = append(os.Environ(), plugin.MagicCookieKey+"="+plugin.MagicCookieValue)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	took := time.Since(start)
	cmd.Process.Kill()
	cmd.Wait()
	if err != nil || !strings.Contains(line, "|") {
		b.Fatalf("the plugin did not hand shake: %q, %v", line, err)
	}
	return took
}
