package sandbox

import (
	"context"

	"github.com/hashicorp/hcl/v2/hcldec"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// BuilderID identifies the artifacts of golden-sandbox.
const BuilderID = "goldenami.golden-sandbox"

// Builder is the golden-sandbox builder: a Debian root in Linux namespaces,
// provisioned through its own communicator and packed as the artifact.
type Builder struct {
	config Config
}

var _ packersdk.Builder = (*Builder)(nil)

// ConfigSpec is the HCL2 spec of Config.
func (b *Builder) ConfigSpec() hcldec.ObjectSpec { return b.config.FlatMapstructure().HCL2Spec() }

// Prepare decodes and checks the configuration and names the generated data
// the build offers to provisioners and post-processors.
func (b *Builder) Prepare(raws ...any) ([]string, []string, error) {
	warnings, err := b.config.Prepare(raws...)
	if err != nil {
		return nil, warnings, err
	}
	return generatedDataNames, warnings, nil
}

// Run builds the root, provisions it and packs it (run_linux.go), or refuses
// on other systems (run_other.go).
func (b *Builder) Run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook) (packersdk.Artifact, error) {
	return b.run(ctx, ui, hook)
}
