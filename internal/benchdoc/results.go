// Package benchdoc holds what `make bench` measures and turns it into
// docs/benchmarks.md: the types of the result files the benchmarks write, the
// goals of the benchmark issue with their verdicts, and the document. It
// imports neither the Packer SDK nor the AWS SDK.
package benchdoc

import (
	"fmt"
	"slices"
	"time"
)

// Result files in the folder that `make bench` fills and Render reads.
const (
	MachineFile    = "machine.json"
	PipelineFile   = "pipeline.json"
	HardenFile     = "harden.json"
	ProvenanceFile = "provenance.txt" // `go test -bench` output
	ECDSAFile      = "ecdsa.txt"      // `go test crypto/ecdsa -bench Verify/P256` output
)

// The three ways e2e/testdata/bench.pkr.hcl builds the same source.
const (
	Plain  = "plain"  // amazon-ebs alone: an unencrypted AMI in the build region
	Anchor = "anchor" // amazon-ebs with encrypt_boot, region_kms_key_ids and ami_regions
	Seal   = "seal"   // plain amazon-ebs, then golden-seal into the same regions with the same keys
)

// Case is one kind of packer build that the benchmark repeats.
type Case struct {
	Pipeline string        `json:"pipeline"`
	Regions  int           `json:"regions"`            // target regions, the build region included
	CopyTime time.Duration `json:"copy_time"`          // T: how long every copy stays pending
	Throttle float64       `json:"throttle,omitempty"` // share of EC2 calls answered RequestLimitExceeded
}

func (c Case) String() string {
	s := c.Pipeline
	if c.Pipeline != Plain {
		s += fmt.Sprintf(", %d region%s, T = %s", c.Regions, plural(c.Regions), tsec(c.CopyTime))
	}
	if c.Throttle > 0 {
		s += fmt.Sprintf(", %.0f%% throttled", 100*c.Throttle)
	}
	return s
}

// Run is one measured `packer build`.
type Run struct {
	Case
	Round int           `json:"round"`
	Wall  time.Duration `json:"wall"` // the whole packer build
	// Seal is golden-seal's part of Wall: from packer's "Running
	// post-processor" line to packer's exit.
	Seal      time.Duration `json:"seal,omitempty"`
	Copies    []Copy        `json:"copies,omitempty"`
	Calls     int           `json:"calls"`               // AWS calls, throttled ones included
	Throttled int           `json:"throttled,omitempty"` // calls the proxy answered RequestLimitExceeded
}

// Copy is one region's copy as the proxy's call log shows it.
type Copy struct {
	Region string `json:"region"`
	// Delay runs from the moment the copy became available (CopyImage's
	// arrival at the proxy + T) to the end of the first DescribeImages in
	// its region that started after it: when the tool could know.
	Delay time.Duration `json:"delay"`
	// Polls counts the DescribeImages and DescribeSnapshots calls in the
	// copy's region from CopyImage to that one, itself included, leaving
	// out calls about the source image.
	Polls int `json:"polls"`
}

// Pipeline is what BenchmarkPipeline (or the CI subset) measured.
type Pipeline struct {
	Plan   Plan  `json:"plan"`
	Rounds int   `json:"rounds"`
	Runs   []Run `json:"runs"`
}

// Of returns the runs of one case.
func (p Pipeline) Of(c Case) []Run {
	var out []Run
	for _, r := range p.Runs {
		if r.Case == c {
			out = append(out, r)
		}
	}
	return out
}

// Walls returns the wall times of a case's runs.
func (p Pipeline) Walls(c Case) []time.Duration {
	return durations(p.Of(c), func(r Run) time.Duration { return r.Wall })
}

// Seals returns golden-seal's part of a case's runs.
func (p Pipeline) Seals(c Case) []time.Duration {
	return durations(p.Of(c), func(r Run) time.Duration { return r.Seal })
}

// Copies returns every copy of the runs of pipeline with copy time T, unthrottled.
func (p Pipeline) Copies(pipeline string, T time.Duration) []Copy {
	var out []Copy
	for _, r := range p.Runs {
		if r.Pipeline == pipeline && r.CopyTime == T && r.Throttle == 0 {
			out = append(out, r.Copies...)
		}
	}
	return out
}

// Cases lists the distinct cases measured, in the order first run.
func (p Pipeline) Cases() []Case {
	var out []Case
	for _, r := range p.Runs {
		if !slices.Contains(out, r.Case) {
			out = append(out, r.Case)
		}
	}
	return out
}

func durations(runs []Run, f func(Run) time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(runs))
	for _, r := range runs {
		out = append(out, f(r))
	}
	return out
}

// Harden is what BenchmarkHardenScripts measured: wall times of `packer
// build` by case ("none", "shell/N", "golden-harden/N", "baseline-audit").
type Harden struct {
	Rounds  int                        `json:"rounds"`
	Scripts []int                      `json:"scripts"`
	Builds  map[string][]time.Duration `json:"builds"`
	Rules   int                        `json:"rules"` // rules of the baseline
	// The baseline in enforce mode on a fresh root (it installs packages),
	// then again on the hardened root; provisioner time, once each.
	Enforce      time.Duration `json:"enforce"`
	EnforceAgain time.Duration `json:"enforce_again"`
	// PluginStart: the plugin from exec until ready to serve golden-harden,
	// which packer waits for and its built-in shell provisioner does not.
	PluginStart []time.Duration `json:"plugin_start,omitempty"`
}

// Provisioner returns the median provisioner time of a case: its builds'
// median less the median of the build without provisioners.
func (h Harden) Provisioner(name string) time.Duration {
	return Median(h.Builds[name]) - Median(h.Builds["none"])
}

// Machine describes where the benchmarks ran.
type Machine struct {
	CPU         string     `json:"cpu"`
	Cores       int        `json:"cores"`
	MemoryBytes uint64     `json:"memory_bytes"`
	Kernel      string     `json:"kernel"`
	Platform    string     `json:"platform"` // GOOS/GOARCH
	Go          string     `json:"go"`
	Packer      string     `json:"packer"`
	Amazon      string     `json:"amazon"` // the hashicorp/amazon plugin
	Plugin      string     `json:"plugin"` // this plugin, with the commit
	Moto        string     `json:"moto"`
	Load        [3]float64 `json:"load"` // load average when make bench started
	Started     time.Time  `json:"started"`
}
