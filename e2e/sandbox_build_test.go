package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A build through every kind of provisioner the builder serves: shell with
// the sandbox's environment, file uploads (a folder with and without a
// trailing slash) and downloads, shell-local reading the root from the host,
// and a post-processor reading the digest.
const sandboxBuildTemplate = sandboxVars + `
source "golden-sandbox" "e2e" {
  rootfs_tarball = var.rootfs_tarball
  cache_dir      = var.cache_dir
  hostname       = "golden-e2e"
  environment    = { GREETING = "hello" }
  output_format  = "tar.zst"
}

build {
  sources = ["source.golden-sandbox.e2e"]

  provisioner "shell" {
    inline = [
      "set -e",
      "echo \"$GREETING from $(hostname) as $(id -un) in $PWD\"",
      "echo '${build.SandboxSuite}' > /etc/golden-suite",
      "mkdir -p /opt/payload /opt/contents",
    ]
  }
  provisioner "file" {
    source      = "payload"
    destination = "/opt/payload"
  }
  provisioner "file" {
    source      = "payload/"
    destination = "/opt/contents"
  }
  provisioner "file" {
    direction   = "download"
    source      = "/etc/os-release"
    destination = "downloaded/os-release"
  }
  provisioner "shell-local" {
    inline = ["test -f '${build.SandboxRoot}/opt/payload/payload/nested/file.txt' && echo host-sees-the-root"]
  }
  post-processor "shell-local" {
    inline = ["echo 'post: ${build.SandboxSuite} ${build.SandboxDigest} ${build.SandboxOutput}'"]
  }
}
`

func TestSandboxBuild(t *testing.T) {
	b := newSandboxBuild(t, sandboxBuildTemplate)
	nested := filepath.Join(b.Dir, "payload", "nested")
	sandboxMust(t, os.MkdirAll(nested, 0o755))
	sandboxMust(t, os.WriteFile(filepath.Join(nested, "file.txt"), []byte("payload\n"), 0o640))
	sandboxMust(t, os.MkdirAll(filepath.Join(b.Dir, "downloaded"), 0o755))

	res := b.Packer.Run(t, t.Context(), b.Dir, b.vars(t), "build", "-color=false", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer build exited %d", res.ExitCode)
	}
	t.Logf("build took %s", res.Duration)
	for _, want := range []string{
		"hello from golden-e2e as root in /root",
		"host-sees-the-root",
		"post: bookworm sha256:",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("packer's output lacks %q", want)
		}
	}
	m := regexp.MustCompile(`post: bookworm (sha256:([0-9a-f]{64})) (\S+)`).FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatal("no digest in the post-processor's output")
	}
	out := filepath.Join(b.Dir, m[3])
	check := exec.Command("sha256sum", "--strict", "-c", "rootfs.tar.zst.sha256")
	check.Dir = filepath.Dir(out)
	if o, err := check.CombinedOutput(); err != nil || !strings.Contains(string(o), "OK") {
		t.Errorf("sha256sum -c: %v\n%s", err, o)
	}
	if sum, _ := os.ReadFile(out + ".sha256"); !strings.HasPrefix(string(sum), m[2]+"  ") {
		t.Errorf("%s.sha256 holds %q, not the artifact's digest %s", out, sum, m[1])
	}
	if b, err := os.ReadFile(filepath.Join(b.Dir, "downloaded", "os-release")); err != nil || !strings.Contains(string(b), "VERSION_CODENAME=bookworm") {
		t.Errorf("the downloaded os-release: %q, %v", b, err)
	}

	// The artifact holds what the provisioners did, the folder upload on
	// either side of the trailing slash rule.
	files := t.TempDir()
	if o, err := exec.Command("tar", "-xf", out, "-C", files, "./etc/golden-suite", "./opt").CombinedOutput(); err != nil {
		t.Fatalf("unpacking the artifact: %v\n%s", err, o)
	}
	for name, want := range map[string]string{
		"etc/golden-suite":                    "bookworm\n",
		"opt/payload/payload/nested/file.txt": "payload\n",
		"opt/contents/nested/file.txt":        "payload\n",
	} {
		if got, err := os.ReadFile(filepath.Join(files, name)); err != nil || string(got) != want {
			t.Errorf("%s in the artifact: %q, %v; want %q", name, got, err, want)
		}
	}
	assertNoSandboxLeft(t, b.Cache)
}

func TestSandboxValidate(t *testing.T) {
	b := newSandboxBuild(t, `
source "golden-sandbox" "bad" {
  network       = "bridge"
  bind_mounts   = ["/nonexistent-golden-source:/mnt"]
  output_format = "zip"
  suite         = "Bookworm"
}
build {
  sources = ["source.golden-sandbox.bad"]
}
`)
	res := b.Packer.Run(t, t.Context(), b.Dir, nil, "validate", ".")
	if res.ExitCode == 0 {
		t.Fatal("packer validate accepted a bad golden-sandbox source")
	}
	for _, want := range []string{
		`network "bridge": want "host" or "none"`,
		"bind_mounts[0]: source: stat /nonexistent-golden-source: no such file or directory: create it or correct the path",
		`output_format "zip": want "tar.zst", "tar" or "dir"`,
		`suite "Bookworm" is not a Debian suite name`,
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("packer validate does not say %q", want)
		}
	}
}

func sandboxMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
