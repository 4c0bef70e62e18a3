package seal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// BuilderID identifies golden-seal's artifacts.
const BuilderID = "goldenami.post-processor.golden-seal"

var _ packersdk.Artifact = (*Artifact)(nil)

// Artifact is the sealed images: one per region, encrypted with the
// region's key.
type Artifact struct {
	// Images maps each region to its sealed image.
	Images map[string]string
	// Snapshots maps each region to the snapshots of its sealed image.
	Snapshots map[string][]string
	// KMSKeys maps each region to the ARN of the key that encrypts it.
	KMSKeys map[string]string
	// Provenance maps each region to where its image's signed provenance
	// record is (the image's golden:provenance tag); empty without provenance.
	Provenance map[string]string
	// The input artifact's image the sealed images were copied from.
	SourceRegion, SourceAMI, SourceAMIName string

	remove func(ctx context.Context, img imagecopy.Image) ([]string, error)
}

// BuilderId is BuilderID.
func (*Artifact) BuilderId() string { return BuilderID }

// Files is empty: the images are in AWS.
func (*Artifact) Files() []string { return nil }

// Id lists region:ami-id pairs in region order, as the amazon plugin's artifacts do.
func (a *Artifact) Id() string {
	parts := make([]string, 0, len(a.Images))
	for _, r := range slices.Sorted(maps.Keys(a.Images)) {
		parts = append(parts, r+":"+a.Images[r])
	}
	return strings.Join(parts, ",")
}

func (a *Artifact) String() string {
	var b strings.Builder
	b.WriteString("Sealed AMIs (KMS-encrypted):\n")
	for _, r := range slices.Sorted(maps.Keys(a.Images)) {
		fmt.Fprintf(&b, "%s: %s (key %s)\n", r, a.Images[r], a.KMSKeys[r])
		if p := a.Provenance[r]; p != "" {
			fmt.Fprintf(&b, "%s: provenance at %s\n", r, p)
		}
	}
	return b.String()
}

// State answers HCP Packer's registry key with one image per region, and
// "generated_data" with what later post-processors (manifest, HCL2 build.*)
// may use.
func (a *Artifact) State(name string) interface{} {
	switch name {
	case registryimage.ArtifactStateURI:
		return a.registryImages()
	case "generated_data":
		return a.generatedData()
	}
	return nil
}

func (a *Artifact) registryImages() []*registryimage.Image {
	var images []*registryimage.Image
	for _, r := range slices.Sorted(maps.Keys(a.Images)) {
		images = append(images, &registryimage.Image{
			ImageID: a.Images[r], ProviderName: "aws", ProviderRegion: r, SourceImageID: a.SourceAMI,
			Labels: map[string]string{"kms_key_arn": a.KMSKeys[r], "sealed_by": "golden-seal"},
		})
	}
	return images
}

func (a *Artifact) generatedData() map[string]interface{} {
	return map[string]interface{}{
		"SealedAMIs":    a.Id(),
		"SourceAMI":     a.SourceAMI,
		"SourceAMIName": a.SourceAMIName,
		"SourceRegion":  a.SourceRegion,
	}
}

// Destroy deregisters the sealed images and deletes their snapshots.
func (a *Artifact) Destroy() error {
	if a.remove == nil {
		return errors.New("this artifact cannot destroy its images: it was not made by golden-seal in this run")
	}
	var errs []error
	for _, r := range slices.Sorted(maps.Keys(a.Images)) {
		img := imagecopy.Image{Region: r, ID: a.Images[r]}
		for _, s := range a.Snapshots[r] {
			img.Snapshots = append(img.Snapshots, imagecopy.Snapshot{ID: s})
		}
		if _, err := a.remove(context.Background(), img); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
