//go:build linux

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stepPackRoot writes the stopped root to the output in output_format, with
// its sha256 file, and makes the artifact. A failure leaves the output to
// StepOutputDir's cleanup, which removes it.
type stepPackRoot struct {
	config *Config
	ui     packersdk.Ui
}

func (s *stepPackRoot) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	root, ok := keyRoot.get(state)
	if !ok {
		return halt(state, s.ui, errors.New("golden-sandbox: no root to pack (a bug: stepCreateRoot runs first)"))
	}
	if root.OwnPolicyRC {
		if err := removePolicyRC(root.Dir); err != nil {
			return halt(state, s.ui, err)
		}
	}
	out := outputPath(s.config)
	sumFile := out + ".sha256"
	s.ui.Say(fmt.Sprintf("Packing the root into %s...", out))
	start := time.Now()
	var digest string
	var err error
	switch s.config.OutputFormat {
	case formatDir:
		if err = moveTree(ctx, root.Dir, out); err == nil {
			digest, err = writeManifest(ctx, out, sumFile)
		}
	default:
		digest, err = packTar(ctx, root.Dir, out, s.config.OutputFormat == formatTarZst)
		if err == nil {
			err = os.WriteFile(sumFile, []byte(sumLine(digest, filepath.Base(out))), 0o644)
		}
	}
	if err != nil {
		return halt(state, s.ui, fmt.Errorf("packing the root: %w", err))
	}
	a := &Artifact{Format: s.config.OutputFormat, Path: out, SumFile: sumFile, Digest: digest, Suite: root.Suite}
	// A copy: the provisioners were handed the map in the state.
	generated, _ := keyGenerated.get(state)
	a.Generated = maps.Clone(generated)
	if a.Generated == nil {
		a.Generated = map[string]any{}
	}
	a.Generated[genDigest] = a.Id()
	keyGenerated.put(state, a.Generated)
	keyArtifact.put(state, a)
	s.ui.Say(fmt.Sprintf("Packed in %s: %s", time.Since(start).Round(10*time.Millisecond), a.Id()))
	return multistep.ActionContinue
}

func (s *stepPackRoot) Cleanup(multistep.StateBag) {}
