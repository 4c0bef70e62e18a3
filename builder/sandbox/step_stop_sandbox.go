//go:build linux

package sandbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stepStopSandbox stops the sandbox once the provisioners are done, so that
// nothing runs in the root or is mounted on it while it is packed.
type stepStopSandbox struct {
	ui packersdk.Ui
}

func (s *stepStopSandbox) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	sb, ok := keySandbox.get(state)
	if !ok {
		return halt(state, s.ui, errors.New("golden-sandbox: no sandbox to stop (a bug: stepStartSandbox runs first)"))
	}
	s.ui.Say("Stopping the sandbox...")
	// Stop remembers its result: let a cancel now not turn it into a failure.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	if err := sb.Stop(stopCtx); err != nil {
		return halt(state, s.ui, fmt.Errorf("stopping the sandbox: %w", err))
	}
	return multistep.ActionContinue
}

func (s *stepStopSandbox) Cleanup(multistep.StateBag) {}
