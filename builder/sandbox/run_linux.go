package sandbox

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	nsbox "github.com/goldenami/packer-plugin-golden/internal/sandbox"
)

// The builder's own state: what one step makes and a later one uses.
const (
	keyRoot      stateKey[*workRoot]      = "golden_sandbox_root"
	keySandbox   stateKey[*nsbox.Sandbox] = "golden_sandbox"
	keyArtifact  stateKey[*Artifact]      = "golden_sandbox_artifact"
	keyGenerated stateKey[map[string]any] = "generated_data" // packerbuilderdata's
)

// workRoot is the root a build provisions, under cache_dir/work until it is packed.
type workRoot struct {
	Dir   string
	Suite string
	// OwnPolicyRC says that /usr/sbin/policy-rc.d is the builder's (it keeps
	// package scripts from starting services in the sandbox), so packing removes it.
	OwnPolicyRC bool
}

func (b *Builder) run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook) (packersdk.Artifact, error) {
	state := new(multistep.BasicStateBag)
	keyUI.put(state, ui)
	keyHook.put(state, hook)
	steps := []multistep.Step{
		&stepCheckHost{config: &b.config, ui: ui},
		&commonsteps.StepOutputDir{Force: b.config.PackerForce, Path: b.config.OutputDir},
		&stepCreateRoot{config: &b.config, ui: ui},
		&stepStartSandbox{config: &b.config, ui: ui, started: time.Now().UTC()},
		new(commonsteps.StepProvision),
		&stepStopSandbox{ui: ui},
		&stepPackRoot{config: &b.config, ui: ui},
	}
	commonsteps.NewRunner(steps, b.config.PackerConfig, ui).Run(ctx, state)
	if err, ok := keyError.get(state); ok {
		return nil, err
	}
	if _, ok := state.GetOk(multistep.StateCancelled); ok {
		return nil, errors.New("golden-sandbox build cancelled")
	}
	if _, ok := state.GetOk(multistep.StateHalted); ok {
		return nil, errors.New("golden-sandbox build halted")
	}
	a, ok := keyArtifact.get(state)
	if !ok {
		return nil, errors.New("golden-sandbox build ended without an artifact")
	}
	return a, nil
}

// halt records err as the build's error, shows it, and stops the build.
func halt(state multistep.StateBag, ui packersdk.Ui, err error) multistep.StepAction {
	keyError.put(state, err)
	ui.Error(err.Error())
	return multistep.ActionHalt
}

// outputPath is where the packed root goes.
func outputPath(c *Config) string {
	name := "rootfs"
	if c.OutputFormat != formatDir {
		name += "." + c.OutputFormat
	}
	return filepath.Join(c.OutputDir, name)
}
