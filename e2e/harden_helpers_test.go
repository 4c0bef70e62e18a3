package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// hardenTemplate is a null build over SSH to the sandbox with one golden-harden
// provisioner whose body is given; reports go to dir/reports and dir/rendezvous.
func hardenTemplate(s *sandboxtest.SSH, dir, body string) string {
	return hardenTemplateAt(s.Port, s.PrivateKey, dir, body)
}

// hardenTemplateAt is hardenTemplate for any SSH port and key.
func hardenTemplateAt(port int, key, dir, body string) string {
	return fmt.Sprintf(requiredPlugins("golden")+`
source "null" "sandbox" {
  communicator         = "ssh"
  ssh_host             = "127.0.0.1"
  ssh_port             = %d
  ssh_username         = "root"
  ssh_private_key_file = %q
}

build {
  sources = ["source.null.sandbox"]

  provisioner "golden-harden" {
    report_dir     = %q
    rendezvous_dir = %q
%s
  }
}
`, port, key, filepath.Join(dir, "reports"), filepath.Join(dir, "rendezvous"), body)
}

// writeHardenFile writes text to dir/name.
func writeHardenFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hardenReport reads the JSON report of a build (packer_build_name: the source
// name, "sandbox" for source.null.sandbox), checks it against
// the schema, and checks that the rendezvous copy golden-seal reads is the same file.
func hardenReport(t *testing.T, dir, build string) *hardening.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "reports", build+".json"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(hardening.ReportSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("report.json", schema); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("report.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("the report does not match its schema: %v", err)
	}
	r, err := hardening.ParseReport(data)
	if err != nil {
		t.Fatal(err)
	}
	path, err := hardening.RendezvousPath(filepath.Join(dir, "rendezvous"), r.Run.PackerRunUUID, build)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := hardening.ReadRendezvous(path)
	if err != nil {
		t.Fatalf("golden-seal's copy: %v", err)
	}
	if sum := sha256.Sum256(data); rv.SHA256 != hex.EncodeToString(sum[:]) {
		t.Error("the rendezvous copy differs from the report")
	}
	for _, ext := range []string{".junit.xml", ".html"} {
		if _, err := os.Stat(filepath.Join(dir, "reports", build+ext)); err != nil {
			t.Error(err)
		}
	}
	return r
}

// ruleStatuses maps each rule to "before → after".
func ruleStatuses(r *hardening.Report) map[string]string {
	out := map[string]string{}
	for _, rule := range r.Rules {
		out[rule.ID] = string(rule.StatusBefore) + " → " + string(rule.Status)
	}
	return out
}

// treeState records every file under root's paths: mode, size and content
// digest (or link target), so that two states can be compared.
func treeState(t *testing.T, root string, paths ...string) map[string]string {
	t.Helper()
	state := map[string]string{}
	for _, p := range paths {
		err := filepath.WalkDir(filepath.Join(root, p), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			rel := strings.TrimPrefix(path, root)
			switch {
			case fi.Mode()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(path)
				state[rel] = "-> " + target
			case fi.Mode().IsRegular():
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(data)
				state[rel] = fmt.Sprintf("%v %x", fi.Mode(), sum[:8])
			default:
				state[rel] = fi.Mode().String()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return state
}

// hostPaths are what the baseline would change on the machine it hardens: on
// this host they must stay as they are.
var hostPaths = []string{
	"/etc/ssh", "/etc/sysctl.d", "/etc/modprobe.d", "/etc/nftables.conf", "/etc/login.defs", "/etc/security",
	"/etc/sudoers.d", "/etc/audit", "/etc/apt/apt.conf.d", "/etc/issue.net", "/etc/systemd/system", "/usr/sbin/policy-rc.d",
	"/proc/sys/kernel/randomize_va_space", "/proc/sys/kernel/kptr_restrict", "/proc/sys/kernel/dmesg_restrict",
	"/proc/sys/fs/protected_fifos", "/proc/sys/fs/suid_dumpable", "/proc/sys/net/ipv4/ip_forward",
	"/proc/sys/net/ipv4/conf/all/rp_filter", "/proc/sys/net/ipv4/conf/all/accept_redirects",
}

// hostState records hostPaths on this host.
func hostState(t *testing.T) map[string]string { return treeState(t, "", hostPaths...) }

func diffState(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("%s changed (-before +after):\n%s", what, diff)
	}
}
