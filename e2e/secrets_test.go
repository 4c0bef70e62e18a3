package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/sandbox/sandboxtest"
)

// secretMarkers are where a secret comes into a build: a sensitive variable
// (which golden-harden hands a script, and golden-seal records by name), the
// AWS secret key and session token.
var secretMarkers = map[string]string{
	"PKR_VAR_api_token":     "MARKER-sensitive-variable-7f3a",
	"AWS_SECRET_ACCESS_KEY": "MARKER-aws-secret-key-9c1e",
	"AWS_SESSION_TOKEN":     "MARKER-aws-session-token-4b8d",
}

// secretsTemplate: amazon-ebs over SSH to the sandbox, golden-harden handing a
// sensitive variable to a script that prints it, golden-seal with provenance
// recording the variable by name, and the manifest of golden-seal's artifact.
var secretsTemplate = requiredPlugins("amazon", "golden") + `
variable "api_token" {
  type      = string
  sensitive = true
}

source "amazon-ebs" "secrets" {
  region                  = "us-east-1"
  source_ami              = %q
  instance_type           = "t3.micro"
  ami_name                = "golden-secrets-source-{{timestamp}}"
  skip_metadata_api_check = true
  communicator            = "ssh"
  ssh_username            = "root"
  ssh_host                = "127.0.0.1"
  ssh_port                = %d
  ssh_private_key_file    = %q
}

build {
  sources = ["source.amazon-ebs.secrets"]

  provisioner "golden-harden" {
    profile          = "none"
    sensitive_env    = { API_TOKEN = var.api_token }
    inline           = ["test -n \"$API_TOKEN\" && echo \"the token has $${#API_TOKEN} characters\"", "echo \"a careless script prints $API_TOKEN\"", "sleep 2"]
    report_dir       = %q
    rendezvous_dir   = %q
  }

  post-processors {
    post-processor "golden-seal" {
      region                  = "us-east-1"
      skip_metadata_api_check = true
      regions                 = [%q]
      region_kms_key_ids      = { %q = %q, %q = %q }
      ami_name                = "golden-secrets-{{ .SourceAMI }}"
      tags                    = { Team = "platform" }

      provenance {
        kms_key_id     = %q
        s3_bucket      = %q
        ssm_prefix     = %q
        directory      = %q
        variables      = { api_token = var.api_token }
        template_files = ["${path.root}/secrets.pkr.hcl"]
        rendezvous_dir = %q
      }
    }
    post-processor "manifest" {
      output = %q
    }
  }
}
`

// TestSecretsStayOut runs the whole pipeline with marker values for a
// sensitive variable and the AWS credentials, PACKER_LOG=1, and checks that
// no marker reaches packer's output or log, the hardening reports, the
// provenance records (S3, SSM, directory), any tag, the manifest of the
// artifact, the call log, or a command line on the machine being hardened;
// and that golden-harden's directory there is 0700 while it runs, then gone.
func TestSecretsStayOut(t *testing.T) {
	if testing.Short() {
		t.Skip("needs packer, the amazon plugin, moto and the sandbox: not run with -short")
	}
	s := sandboxtest.StartSSH(t)
	e := newRelEnv(t, buildRegion)
	out := filepath.Join(e.dir, "out")
	reports, manifest, logPath := filepath.Join(out, "reports"), filepath.Join(out, "manifest.json"), filepath.Join(out, "packer.log")
	template := fmt.Sprintf(secretsTemplate, awstest.SourceAMIID, s.Port, s.PrivateKey, reports, e.rendezvous(),
		copyRegion, buildRegion, e.keyRefs[buildRegion], copyRegion, e.keyRefs[copyRegion],
		e.signKey, relBucket, relSSMPrefix, e.records, e.rendezvous(), manifest)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	e.packer.Env = append(asUsersRunIt(e.rig.Env()), "PACKER_LOG=1", "PACKER_LOG_PATH="+logPath)
	for k, v := range secretMarkers {
		e.packer.Env = append(e.packer.Env, k+"="+v)
	}

	watch := watchSandbox(s.Root())
	run := e.startPacker(t, "secrets.pkr.hcl", template)
	output := run.wait(4 * time.Minute)
	seen := watch()
	if run.exit != 0 {
		t.Fatalf("packer build exited %d:\n%s", run.exit, output)
	}

	texts := map[string]string{"packer's output": output}
	addFiles := func(what, dir string) {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(path)
				texts[what+" "+path] = string(b)
			}
			return nil
		})
	}
	addFiles("packer's log", logPath)
	addFiles("a report", reports)
	addFiles("the rendezvous", e.rendezvous())
	addFiles("a record", e.records)
	addFiles("the manifest", manifest)
	for _, it := range surveyAccount(t, e.rig, relRegions) {
		b, _ := json.Marshal(it.Tags)
		texts["the tags of "+it.String()] = string(b)
		if it.Kind == "ssm-parameter" {
			p, err := ssm.NewFromConfig(e.rig.Config(it.Region)).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(it.ID)})
			if err != nil {
				t.Fatal(err)
			}
			texts["parameter "+it.ID] = aws.ToString(p.Parameter.Value)
		}
		if it.Kind == "s3-object" {
			bucket, key, _ := strings.Cut(it.ID, "/")
			o, err := s3.NewFromConfig(e.rig.Config(buildRegion), awstest.S3PathStyle).GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(o.Body)
			texts["object "+it.ID] = string(b)
		}
	}
	for _, want := range []string{"packer's log", "a report", "a record", "the manifest", "object ", "parameter "} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(texts)), func(k string) bool { return strings.HasPrefix(k, want) && texts[k] != "" }) {
			t.Errorf("nothing to look at for %q: the test would prove nothing", want)
		}
	}
	calls, _ := json.Marshal(e.rig.Proxy().Calls())
	texts["the AWS call log"] = string(calls)
	texts["command lines on the machine"] = strings.Join(seen.cmdlines, "\n")
	for what, text := range texts {
		for name, marker := range secretMarkers {
			if strings.Contains(text, marker) {
				t.Errorf("%s holds the value of %s", what, name)
			}
		}
	}
	if !strings.Contains(output, "the token has 30 characters") {
		t.Error("packer's output does not say that the script saw the token")
	}
	if !strings.Contains(texts["a report "+filepath.Join(reports, "secrets.json")], "a careless script prints <sensitive>") {
		t.Error("the report does not show the careless script's line, masked")
	}
	if len(seen.workModes) == 0 {
		t.Error("golden-harden's directory on the machine was never seen")
	}
	for dir, mode := range seen.workModes {
		if mode != 0o700 {
			t.Errorf("%s on the machine had mode %o, want 700", dir, mode)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(s.Root(), "tmp", "golden-harden-*")); len(left) > 0 {
		t.Errorf("left on the machine: %v", left)
	}
}

// sandboxSeen is what watchSandbox saw on the machine while the build ran.
type sandboxSeen struct {
	cmdlines  []string               // of every process in the sandbox
	workModes map[string]fs.FileMode // golden-harden's directories, by path
}

// watchSandbox records the command lines of the sandbox's processes and the
// modes of golden-harden's directories until the returned func is called.
func watchSandbox(root string) func() sandboxSeen {
	stop := make(chan struct{})
	var mu sync.Mutex
	seen := sandboxSeen{workModes: map[string]fs.FileMode{}}
	cmdlines := map[string]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			entries, _ := os.ReadDir("/proc")
			mu.Lock()
			for _, e := range entries {
				if _, err := strconv.Atoi(e.Name()); err != nil {
					continue
				}
				if r, err := os.Readlink(filepath.Join("/proc", e.Name(), "root")); err != nil || r != root {
					continue
				}
				if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && len(b) > 0 {
					cmdlines[strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")] = true
				}
			}
			dirs, _ := filepath.Glob(filepath.Join(root, "tmp", "golden-harden-*"))
			for _, d := range dirs {
				if fi, err := os.Stat(d); err == nil && fi.IsDir() {
					seen.workModes[d] = fi.Mode().Perm()
				}
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() sandboxSeen {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		for c := range cmdlines {
			seen.cmdlines = append(seen.cmdlines, c)
		}
		return seen
	}
}
