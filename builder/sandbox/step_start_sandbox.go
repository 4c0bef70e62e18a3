//go:build linux

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/packerbuilderdata"

	nsbox "github.com/goldenami/packer-plugin-golden/internal/sandbox"
)

// stepStartSandbox starts the sandbox in the root and hands the provisioners
// its communicator. Cleanup stops it, whatever happened.
type stepStartSandbox struct {
	config  *Config
	ui      packersdk.Ui
	started time.Time // the build's start, for SandboxBuildTime
	sb      *nsbox.Sandbox
}

// stopTimeout bounds a Stop that runs after the build's context is done.
const stopTimeout = time.Minute

func (s *stepStartSandbox) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	root, ok := keyRoot.get(state)
	if !ok {
		return halt(state, s.ui, errors.New("golden-sandbox: no root to start (a bug: stepCreateRoot runs first)"))
	}
	var binds []nsbox.Bind
	for _, b := range s.config.bindMounts() {
		binds = append(binds, nsbox.Bind{Source: b.Source, Target: b.Target, Writable: b.Writable})
	}
	sb, err := nsbox.Start(ctx, nsbox.Config{
		Root:     root.Dir,
		Hostname: s.config.Hostname,
		Network:  nsbox.Network(s.config.Network),
		Binds:    binds,
	})
	if err != nil {
		return halt(state, s.ui, fmt.Errorf("starting the sandbox: %w", err))
	}
	s.sb = sb
	keySandbox.put(state, sb)
	// /run is empty, as before boot; sshd -t, which sshd rules use to check
	// a configuration, wants the directory its service makes at start.
	if err := sb.MkdirAll("/run/sshd", 0o755); err != nil {
		return halt(state, s.ui, fmt.Errorf("creating /run/sshd in the sandbox: %w", err))
	}
	keyComm.put(state, newCommunicator(sb, s.config.environ()))

	gd := packerbuilderdata.GeneratedData{State: state}
	gd.Put(genBuildTime, s.started.Format(time.RFC3339))
	gd.Put(genDigest, digestPending)
	gd.Put(genOutput, outputPath(s.config))
	gd.Put(genRoot, root.Dir)
	gd.Put(genSuite, root.Suite)
	s.ui.Say(fmt.Sprintf("Sandbox %q running in %s (network %s)", s.config.Hostname, root.Dir, s.config.Network))
	return multistep.ActionContinue
}

func (s *stepStartSandbox) Cleanup(multistep.StateBag) {
	if s.sb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := s.sb.Stop(ctx); err != nil {
		s.ui.Error(fmt.Sprintf("stopping the sandbox: %v", err))
	}
}
