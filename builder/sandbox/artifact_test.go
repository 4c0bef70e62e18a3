package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
)

func TestArtifact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "output-debian")
	must(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "rootfs.tar.zst")
	must(t, os.WriteFile(path, []byte("tarball"), 0o644))
	must(t, os.WriteFile(path+".sha256", []byte("sum"), 0o644))
	a := &Artifact{
		Format: formatTarZst, Path: path, SumFile: path + ".sha256", Digest: "abc123", Suite: "bookworm",
		Generated: map[string]any{genDigest: "sha256:abc123", genSuite: "bookworm"},
	}
	if got, want := a.Id(), "sha256:abc123"; got != want {
		t.Errorf("Id() = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{path, path + ".sha256"}, a.Files()); diff != "" {
		t.Errorf("Files() (-want +got):\n%s", diff)
	}
	if got := a.BuilderId(); got != BuilderID {
		t.Errorf("BuilderId() = %q", got)
	}
	if diff := cmp.Diff(a.Generated, a.State("generated_data")); diff != "" {
		t.Errorf("State(generated_data) (-want +got):\n%s", diff)
	}
	img, ok := a.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if !ok || img.ImageID != "sha256:abc123" || img.ProviderName != "golden-sandbox" || img.SourceImageID != "bookworm" {
		t.Errorf("State(%s) = %+v", registryimage.ArtifactStateURI, img)
	}
	if a.State("other") != nil {
		t.Errorf("State(other) is not nil")
	}

	// Destroy removes the files, and the output folder once it is empty.
	must(t, a.Destroy())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the output folder is still there: %v", err)
	}
	must(t, a.Destroy()) // nothing left to remove is no error
}

func TestArtifactDestroyKeepsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	must(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "etc", "hostname"), []byte("x\n"), 0o644))
	must(t, os.WriteFile(root+".sha256", nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644))
	a := &Artifact{Format: formatDir, Path: root, SumFile: root + ".sha256"}
	must(t, a.Destroy())
	entries, err := os.ReadDir(dir)
	must(t, err)
	if len(entries) != 1 || entries[0].Name() != "notes.txt" {
		t.Errorf("after Destroy the output folder holds %v, want notes.txt only", entries)
	}
}
