//go:build linux

package sandbox

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stepCheckHost refuses to build, saying what is missing, on a machine that
// cannot run the sandbox.
type stepCheckHost struct {
	config *Config
	ui     packersdk.Ui
}

func (s *stepCheckHost) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	if err := checkHost(s.config); err != nil {
		return halt(state, s.ui, fmt.Errorf("this machine cannot run golden-sandbox: %w", err))
	}
	return multistep.ActionContinue
}

func (s *stepCheckHost) Cleanup(multistep.StateBag) {}
