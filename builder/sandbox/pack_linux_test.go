package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSumLine(t *testing.T) {
	tests := []struct{ name, want string }{
		{"rootfs.tar.zst", "abc  rootfs.tar.zst\n"},
		{"rootfs/etc/with space", "abc  rootfs/etc/with space\n"},
		{"rootfs/back\\slash", "\\abc  rootfs/back\\\\slash\n"},
		{"rootfs/new\nline", "\\abc  rootfs/new\\nline\n"},
	}
	for _, tt := range tests {
		if got := sumLine("abc", tt.name); got != tt.want {
			t.Errorf("sumLine(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// testTree is a small root: regular files, an empty one, a symlink, an empty folder.
func testTree(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "root")
	for name, body := range map[string]string{"etc/hostname": "x\n", "etc/empty": "", "usr/bin/tool": "#!/bin/sh\n", "odd\\name": "odd\n"} {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(body), 0o644))
	}
	must(t, os.Symlink("hostname", filepath.Join(dir, "etc", "link")))
	must(t, os.Mkdir(filepath.Join(dir, "tmp"), 0o1777))
	return dir
}

func TestWriteManifest(t *testing.T) {
	out := t.TempDir()
	root := filepath.Join(out, "rootfs")
	must(t, os.Rename(testTree(t), root))
	sumFile := root + ".sha256"
	digest, err := writeManifest(t.Context(), root, sumFile)
	must(t, err)
	b, err := os.ReadFile(sumFile)
	must(t, err)
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != digest {
		t.Errorf("digest %s is not the sha256 of the manifest", digest)
	}
	var names []string
	for line := range strings.Lines(string(b)) {
		names = append(names, strings.TrimSpace(line[strings.Index(line, "  ")+2:]))
	}
	want := []string{"rootfs/etc/empty", "rootfs/etc/hostname", `rootfs/odd\\name`, "rootfs/usr/bin/tool"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("manifest entries (-want +got):\n%s", diff)
	}
	// sha256sum checks it from the output folder.
	cmd := exec.Command("sha256sum", "--strict", "-c", filepath.Base(sumFile))
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, b)
	}
}

func TestPackTar(t *testing.T) {
	for _, compress := range []bool{false, true} {
		root := testTree(t)
		out := filepath.Join(t.TempDir(), "rootfs.tar")
		digest, err := packTar(t.Context(), root, out, compress)
		must(t, err)
		b, err := os.ReadFile(out)
		must(t, err)
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != digest {
			t.Errorf("compress=%v: digest %s is not the sha256 of the tarball", compress, digest)
		}
		list, err := exec.Command("tar", "-tvf", out).CombinedOutput()
		must(t, err)
		for _, want := range []string{"./etc/hostname", "./etc/link -> hostname", "./tmp/", "./usr/bin/tool"} {
			if !strings.Contains(string(list), want) {
				t.Errorf("compress=%v: the tarball lacks %s:\n%s", compress, want, list)
			}
		}
		// A second pack refuses to overwrite.
		if _, err := packTar(t.Context(), root, out, compress); err == nil {
			t.Errorf("compress=%v: packing over an existing output succeeded", compress)
		}
	}
}

func TestPackTarFailureRemovesOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rootfs.tar")
	if _, err := packTar(t.Context(), filepath.Join(t.TempDir(), "missing"), out, false); err == nil {
		t.Fatal("packing a missing root succeeded")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed pack left %s: %v", out, err)
	}
}
