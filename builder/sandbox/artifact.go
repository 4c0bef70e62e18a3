package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
)

// Generated data: provisioners read it as build.SandboxSuite, post-processors
// from the artifact's "generated_data".
const (
	genBuildTime = "SandboxBuildTime" // when the build started, RFC 3339 UTC
	genDigest    = "SandboxDigest"    // the artifact's Id(), once packed
	genOutput    = "SandboxOutput"    // the packed root: a tarball or a directory
	genRoot      = "SandboxRoot"      // the root's directory on this machine while provisioners run
	genSuite     = "SandboxSuite"     // the Debian suite (codename) of the root
)

var generatedDataNames = []string{genBuildTime, genDigest, genOutput, genRoot, genSuite}

// digestPending is what provisioners see as build.SandboxDigest: the root is
// packed, and so digested, after they run.
const digestPending = "ERR_DIGEST_KNOWN_ONLY_TO_POST_PROCESSORS"

// Artifact is the packed root and its sha256 file.
type Artifact struct {
	Format    string         // tar.zst, tar or dir
	Path      string         // the tarball, or the root's directory
	SumFile   string         // Path + ".sha256", in sha256sum's format
	Digest    string         // hex sha256 of the tarball, or of SumFile for a directory
	Suite     string         // the root's Debian suite
	Generated map[string]any // the build's generated data
}

var _ packersdk.Artifact = (*Artifact)(nil)

// BuilderId is golden-sandbox's.
func (a *Artifact) BuilderId() string { return BuilderID }

// Files are the packed root and its sha256 file.
func (a *Artifact) Files() []string { return []string{a.Path, a.SumFile} }

// Id is the digest, as sha256:HEX.
func (a *Artifact) Id() string { return "sha256:" + a.Digest }

func (a *Artifact) String() string {
	if a.Format == formatDir {
		return fmt.Sprintf("root directory %s (%s; every file's sha256 in %s)", a.Path, a.Id(), a.SumFile)
	}
	return fmt.Sprintf("root filesystem %s (%s)", a.Path, a.Id())
}

// State answers "generated_data" and HCP Packer's registry key.
func (a *Artifact) State(name string) any {
	switch name {
	case "generated_data":
		return a.Generated
	case registryimage.ArtifactStateURI:
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider("golden-sandbox"),
			registryimage.WithSourceID(a.Suite),
			registryimage.WithRegion("local"),
		)
		if err != nil {
			return nil
		}
		return img
	}
	return nil
}

// Destroy removes the packed root, its sha256 file and, once empty, the output directory.
func (a *Artifact) Destroy() error {
	err := os.RemoveAll(a.Path)
	if rmErr := os.Remove(a.SumFile); !errors.Is(rmErr, os.ErrNotExist) {
		err = errors.Join(err, rmErr)
	}
	if err != nil {
		return fmt.Errorf("destroying the sandbox artifact: %w", err)
	}
	_ = os.Remove(filepath.Dir(a.Path)) // fails while other files are there, as it should
	return nil
}
