package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// ssgDS is where the SCAP tests put the data stream on the machine; SSG's
// own folder is absent without ssg-debian.
const ssgDS = "/root/ssg-debian12-ds.xml"

// gshadowRule fails once the script below has run, and SSG's remediation fixes it.
const gshadowRule = "xccdf_org.ssgproject.content_rule_file_permissions_etc_gshadow"

// scapTemplate builds a bookworm root with OpenSCAP (debootstrapped with
// openscap-scanner once, then from the rig's cache), uploads the Debian 12
// data stream, and runs golden-harden: a few sshd rules, a script that makes
// /etc/gshadow world-readable, then the scap block given.
var scapTemplate = requiredPlugins("golden") + `
variable "cache_dir" {
  type = string
}
variable "datastream" {
  type = string
}

source "golden-sandbox" "scap" {
  cache_dir     = var.cache_dir
  include       = ["openscap-scanner"]
  output_format = "tar"
}

build {
  sources = ["source.golden-sandbox.scap"]

  provisioner "file" {
    source      = var.datastream
    destination = "` + ssgDS + `"
  }
  provisioner "golden-harden" {
    report_dir     = "reports"
    rendezvous_dir = "rendezvous"
    only_rules     = ["sshd-*"]
    inline         = ["chmod 0644 /etc/gshadow"]
%s
  }
}
`

// TestHardenSCAP runs the scap block through the real packer on a Debian 12
// root: in audit mode the report holds SSG's results for the standard profile
// (passes, and failures: the partition rules, low, and the gshadow
// permissions the script broke, medium), and fail_on = "medium" fails the
// build for the medium one only; in enforce mode with remediate, SSG fixes
// gshadow, so the same fail_on lets the build through with a warning.
func TestHardenSCAP(t *testing.T) {
	sandboxtest.SkipIfShort(t)
	ds := ssgDebian12(t)
	sum := fileSHA256(t, ds)
	cache, err := rigpath.CacheDir()
	sandboxMust(t, err)
	p := packertest.New(t)
	env := []string{"PKR_VAR_cache_dir=" + cache, "PKR_VAR_datastream=" + ds}

	build := func(t *testing.T, body string) (packertest.Result, *hardening.Report) {
		t.Helper()
		dir := t.TempDir()
		sandboxMust(t, os.WriteFile(filepath.Join(dir, "scap.pkr.hcl"), []byte(fmt.Sprintf(scapTemplate, body)), 0o644))
		res := p.Run(t, t.Context(), dir, env, "build", "-color=false", ".")
		t.Logf("%s (root ready in %s); %s", res.Duration.Round(100*time.Millisecond), rootReady(res.Output), scapStreamLine(res.Output))
		r := hardenReport(t, dir, "scap")
		if r.SCAP == nil || r.SCAP.Status != hardening.SCAPRan {
			t.Fatalf("the report has no SCAP results: %+v", r.SCAP)
		}
		if r.SCAP.SHA256 != sum || r.SCAP.Datastream != ssgDS || r.SCAP.ProfileID != "xccdf_org.ssgproject.content_profile_standard" {
			t.Errorf("scap: datastream %s sha256 %s profile %s; want %s %s and the standard profile's full id", r.SCAP.Datastream, r.SCAP.SHA256, r.SCAP.ProfileID, ssgDS, sum)
		}
		found := false
		for _, d := range r.RuleSets {
			found = found || d.Name == "scap:"+ssgDS && d.SHA256 == sum && d.Rules == len(r.SCAP.Rules)
		}
		if !found {
			t.Errorf("rule_sets %+v do not list the data stream, which golden-seal records in the provenance", r.RuleSets)
		}
		return res, r
	}
	statuses := func(r *hardening.Report) map[string]hardening.Status {
		m := map[string]hardening.Status{}
		for _, rule := range r.SCAP.Rules {
			m[rule.ID] = rule.Status
		}
		return m
	}

	t.Run("audit", func(t *testing.T) {
		res, r := build(t, `    mode    = "audit"
    fail_on = "medium"
    scap {
      datastream = "`+ssgDS+`"
      profile    = "standard"
    }`)
		if res.ExitCode == 0 {
			t.Fatal("packer build succeeded, want fail_on = medium to fail it for the gshadow rule")
		}
		out := strings.Join(strings.Fields(res.Output), " ")
		if !strings.Contains(out, "SCAP rules at or above fail_on = medium still fail: "+gshadowRule+" (medium)") {
			t.Errorf("packer's output does not name the failing SCAP rule at or above fail_on")
		}
		if strings.Contains(out, "still fail: xccdf_org.ssgproject.content_rule_partition_for_home") {
			t.Error("a low SCAP failure fails the build with fail_on = medium")
		}
		c := r.SCAP.Counts.ByStatus
		if c[hardening.StatusPass] < 10 || c[hardening.StatusFail] < 2 || c[hardening.StatusFixed] != 0 || *r.SCAP.ExitCode != 2 {
			t.Errorf("scap counts %v, exit code %d: want passes, failures, nothing fixed, exit code 2", c, *r.SCAP.ExitCode)
		}
		st := statuses(r)
		if st[gshadowRule] != hardening.StatusFail || st["xccdf_org.ssgproject.content_rule_partition_for_home"] != hardening.StatusFail {
			t.Errorf("gshadow %s, partition_for_home %s; want both fail", st[gshadowRule], st["xccdf_org.ssgproject.content_rule_partition_for_home"])
		}
		if r.Verdict != hardening.VerdictFail {
			t.Errorf("verdict %s, want fail", r.Verdict)
		}
		for _, rule := range r.SCAP.Rules {
			if rule.Title == "" {
				t.Errorf("scap rule %s has no title", rule.ID)
			}
		}
	})

	t.Run("remediate", func(t *testing.T) {
		res, r := build(t, `    fail_on = "medium"
    scap {
      datastream = "`+ssgDS+`"
      profile    = "xccdf_org.ssgproject.content_profile_standard"
      remediate  = true
    }`)
		if res.ExitCode != 0 {
			t.Fatalf("packer build exited %d, want remediation to fix the only medium failure", res.ExitCode)
		}
		st := statuses(r)
		if st[gshadowRule] != hardening.StatusFixed {
			t.Errorf("gshadow: %s, want fixed by the remediation", st[gshadowRule])
		}
		if st["xccdf_org.ssgproject.content_rule_partition_for_home"] != hardening.StatusFail {
			t.Error("partition_for_home no longer fails: remediation cannot repartition")
		}
		if r.Verdict != hardening.VerdictWarn || !strings.Contains(strings.Join(r.Reasons, "\n"), "scap rule xccdf_org.ssgproject.content_rule_partition_for_home (low) fails") {
			t.Errorf("verdict %s %q, want warn for the low partition rules", r.Verdict, r.Reasons)
		}
		if !strings.Contains(res.Output, "scap (xccdf_org.ssgproject.content_profile_standard, remediate):") {
			t.Error("packer's output has no SCAP summary line")
		}
	})
}

// TestHardenSCAPNoOscap runs the scap block on a root without OpenSCAP: the
// build fails saying which package to install, after writing the report.
func TestHardenSCAPNoOscap(t *testing.T) {
	s := sandboxtest.StartSSH(t)
	p := packertest.New(t)
	dir := t.TempDir()
	writeHardenFile(t, dir, "harden.pkr.hcl", hardenTemplate(s, dir, `    profile = "none"
    scap {
      datastream = "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
      profile    = "standard"
    }`))
	res := p.Run(t, t.Context(), dir, nil, "build", "-color=false", ".")
	if res.ExitCode == 0 {
		t.Fatal("packer build succeeded without oscap on the machine")
	}
	out := strings.Join(strings.Fields(res.Output), " ")
	for _, want := range []string{"oscap is not installed on the machine", "install the openscap-scanner package"} {
		if !strings.Contains(out, want) {
			t.Errorf("packer's output does not say %q", want)
		}
	}
	r := hardenReport(t, dir, "sandbox")
	if r.Verdict != hardening.VerdictFail || r.SCAP == nil || r.SCAP.Status != hardening.SCAPNotRun {
		t.Errorf("verdict %s, scap %+v: want fail, and scap not run", r.Verdict, r.SCAP)
	}
}

// TestHardenSCAPValidate: packer validate names the scap field at fault and how to fix it.
func TestHardenSCAPValidate(t *testing.T) {
	p := packertest.New(t)
	key := throwawayKey(t)
	for name, tc := range map[string]struct{ body, want string }{
		"relative datastream": {`scap {
      datastream = "ssg-debian12-ds.xml"
      profile    = "standard"
    }`, `scap.datastream "ssg-debian12-ds.xml" is relative`},
		"no datastream": {`scap {
      profile = "standard"
    }`, "scap.datastream is not set"},
		"no profile": {`scap {
      datastream = "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
    }`, "scap.profile is not set"},
		"remediate in audit mode": {`mode = "audit"
    scap {
      datastream = "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
      profile    = "standard"
      remediate  = true
    }`, `scap.remediate = true with mode = "audit"`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeHardenFile(t, dir, "harden.pkr.hcl", hardenTemplateAt(22, key, dir, "    "+tc.body))
			res := p.Run(t, t.Context(), dir, nil, "validate", ".")
			out := strings.Join(strings.Fields(res.Output), " ")
			if res.ExitCode == 0 || !strings.Contains(out, tc.want) {
				t.Errorf("packer validate exited %d, want an error saying %q:\n%s", res.ExitCode, tc.want, res.Output)
			}
		})
	}
}

// ssgDebian12 returns SSG's Debian 12 data stream on this machine. Debian 12's
// own ssg-debian (0.1.65) has data streams for Debian 10 and 11 only; Debian
// 13's (0.1.76) has Debian 12's. It is taken from a cached trixie root with
// ssg-debian (debootstrapped once, about a minute; a tarball in the rig's cache).
func ssgDebian12(t *testing.T) string {
	t.Helper()
	dir, err := rigpath.CacheDir()
	sandboxMust(t, err)
	tarball, err := sandbox.Cache{Dir: dir, Log: os.Stderr}.Rootfs(t.Context(), sandbox.Spec{Suite: "trixie", Include: []string{"ssg-debian"}})
	if err != nil {
		t.Fatalf("a Debian 13 root with ssg-debian, for its Debian 12 data stream: %v (it needs debootstrap and a Debian mirror reaching trixie: set GOLDEN_DEBIAN_MIRROR)", err)
	}
	out := t.TempDir()
	const member = "./usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
	if o, err := exec.Command("tar", "-xf", tarball, "-C", out, member).CombinedOutput(); err != nil {
		t.Fatalf("extracting %s from %s: %v\n%s", member, tarball, err, o)
	}
	return filepath.Join(out, member)
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	sandboxMust(t, err)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

var scapStreamed = regexp.MustCompile(`oscap exited with \d+ after \S+; its results: \d+ bytes`)

// scapStreamLine is the provisioner's line about oscap's results as streamed.
func scapStreamLine(output string) string { return scapStreamed.FindString(output) }
