package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/benchdoc"
	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
	"github.com/goldenami/packer-plugin-golden/version"
)

// describeMachine says what the benchmarks run on and with, and the load now.
func describeMachine() (benchdoc.Machine, error) {
	m := benchdoc.Machine{
		Cores:    runtime.NumCPU(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
		Go:       runtime.Version(),
		Started:  time.Now().UTC(),
	}
	var err error
	if m.Load, err = loadAverage(); err != nil {
		return m, err
	}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.ParseUint(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.MemoryBytes = kb << 10
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	tools, err := rigpath.FindTools()
	if err != nil {
		return m, err
	}
	m.Packer = strings.TrimPrefix(firstLine(command(tools.Packer, "version")), "Packer ")
	m.Amazon = amazonVersion(tools.PluginDir)
	m.Plugin = pluginVersion()
	python := os.Getenv("GOLDEN_PYTHON")
	if python == "" {
		python = "python3"
	}
	m.Moto = firstLine(command(python, "-c", "import moto; print(moto.__version__)"))
	return m, nil
}

// loadAverage reads the 1, 5 and 15 minute load averages.
func loadAverage() ([3]float64, error) {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return l, fmt.Errorf("reading the load average: %w", err)
	}
	if _, err := fmt.Sscan(string(b), &l[0], &l[1], &l[2]); err != nil {
		return l, fmt.Errorf("reading the load average: %w", err)
	}
	return l, nil
}

// procField returns the value of the first "name: value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if k, v, ok := strings.Cut(lines.Text(), ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// amazonVersion reads the installed hashicorp/amazon plugin's version from
// its file name (packer-plugin-amazon_v1.8.1_x5.0_linux_amd64).
func amazonVersion(pluginDir string) string {
	found, _ := filepath.Glob(filepath.Join(pluginDir, "github.com", "hashicorp", "amazon", "packer-plugin-amazon_v*_*"))
	for _, f := range found {
		if !strings.HasSuffix(f, "_SHA256SUM") {
			return strings.Split(strings.TrimPrefix(filepath.Base(f), "packer-plugin-amazon_"), "_")[0]
		}
	}
	return "unknown"
}

// pluginVersion is this plugin's version and the commit it was measured
// at, saying when the working tree differed from it.
func pluginVersion() string {
	v := version.PluginVersion.String()
	commit := firstLine(command("git", "rev-parse", "--short", "HEAD"))
	if commit == "" {
		return v
	}
	if command("git", "status", "--porcelain", "--untracked-files=no") != "" {
		return fmt.Sprintf("%s (commit %s, with uncommitted changes)", v, commit)
	}
	return fmt.Sprintf("%s (commit %s)", v, commit)
}

// command returns what a command prints, empty when it fails.
func command(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(out))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
