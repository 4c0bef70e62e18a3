// Package seal is the golden-seal post-processor: it copies an AMI into every
// target region encrypted with the region's KMS key, tagged on create against
// a tag policy, verifies every snapshot's key, shares and deprecates the
// copies, and removes the unencrypted source, rolling everything back when
// any region fails or the build is cancelled.
package seal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

var _ packersdk.PostProcessor = (*PostProcessor)(nil)

// rollbackTimeout bounds the rollback, which runs after a cancellation.
const rollbackTimeout = 15 * time.Minute

// PostProcessor is golden-seal.
type PostProcessor struct {
	config Config
}

// ConfigSpec is the HCL2 schema of golden-seal.
func (p *PostProcessor) ConfigSpec() hcldec.ObjectSpec { return p.config.FlatMapstructure().HCL2Spec() }

// Configure decodes and checks the configuration.
func (p *PostProcessor) Configure(raws ...interface{}) error {
	if err := p.config.Prepare(raws...); err != nil {
		return explainDurations(err)
	}
	return p.config.checkTemplates()
}

// PostProcess seals the input artifact's images. It returns the input as
// kept and forced: golden-seal removes the unencrypted images itself, once
// every region is sealed, unless keep_source_image is set.
func (p *PostProcessor) PostProcess(ctx context.Context, ui packersdk.Ui, in packersdk.Artifact) (packersdk.Artifact, bool, bool, error) {
	started, id := time.Now(), runID()
	report, err := p.config.readHardening(ui, id)
	if err != nil {
		return nil, true, true, err
	}
	sources, err := checkInput(in.BuilderId(), in.Id())
	if err != nil {
		return nil, true, true, err
	}
	sess, err := p.config.AccessConfig.Session(ctx)
	if err != nil {
		return nil, true, true, err
	}
	r := newRun(&p.config, ui, sess, sources, id)
	r.started, r.hardening = started, report
	r.built = builtFromArtifact(in)
	a, err := r.seal(ctx)
	return a, true, true, err
}

// run is one PostProcess: its settings, its clients and what each step found.
type run struct {
	cfg     *Config
	ui      *progressUI
	aws     clients
	copier  copier
	sources map[string]string // the input artifact: region → AMI id
	runID   string
	started time.Time
	home    string // the region of the settings or the environment; "" when neither names one

	account string                     // the caller's account, "" when credentials are not checked
	primary string                     // the region whose image extra regions are copied from
	images  map[string]imagecopy.Image // the input artifact's images, by region
	keys    map[string]key             // the key of each target region
	jobs    []imagecopy.Job
	copies  []*imagecopy.Copy

	built     builtFrom       // the image the build started from (source_owners.go)
	hardening hardeningReport // the build's golden-harden report
	signing   *signing        // provenance: the key, stores and checker; nil without a provenance block

	// finishers run once every region is verified, shared and deprecated,
	// and before the copies are marked sealed and the sources removed; an
	// error rolls back every region. Provenance plugs in here.
	finishers []func(context.Context, *run) error
	// undo removes, on rollback, what finishers made outside the copies.
	undo []func(context.Context) error
}

func newRun(cfg *Config, ui packersdk.Ui, sess *awsconfig.Session, sources map[string]string, id string) *run {
	pui := &progressUI{Ui: ui}
	return &run{
		cfg: cfg, ui: pui, aws: sessionClients(sess), sources: sources, primary: primaryRegion(sources, sess.Region()), runID: id, home: sess.Region(),
		copier: imagecopy.New(sess, imagecopy.Options{
			RunID: id, Pipeline: pipeline(cfg), Deadline: time.Now().Add(cfg.Timeout + rollbackTimeout),
			Progress: pui.progress, FixedDelay: cfg.fixedDelay(), MaxAttempts: cfg.maxAttempts(),
		}),
		finishers: finishers(cfg),
	}
}

// seal runs the steps: checks that change nothing, then the copies, then
// what can only follow once every region is verified.
func (r *run) seal(ctx context.Context) (*Artifact, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	preflight := [][]func(context.Context) error{
		{r.checkIdentity},
		{r.describeSources, r.checkKeys, r.checkProvenance},
		{r.plan, r.checkSourceOwner},
		{r.checkNames, r.checkKeyPolicies},
	}
	for _, steps := range preflight {
		if err := parallel(ctx, steps...); err != nil {
			return nil, fmt.Errorf("%w (nothing was changed)", err)
		}
	}
	if err := r.cleanLeftovers(ctx); err != nil {
		return nil, err
	}
	err := r.copyImages(ctx)
	for _, step := range []func(context.Context) error{r.shareImages, r.deprecateImages, r.finish, r.markSealed} {
		if err != nil {
			break
		}
		err = step(ctx)
	}
	if err != nil {
		return nil, r.rollback(ctx, err)
	}
	r.removeSources(ctx)
	r.applyRetention(ctx)
	return r.artifact(), nil
}

// parallel runs independent steps at once and joins their errors.
func parallel(ctx context.Context, steps ...func(context.Context) error) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() { errs[i] = step(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *run) finish(ctx context.Context) error {
	for _, f := range r.finishers {
		if err := f(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// rollback removes what the run created, unless keep_on_failure, and says
// per region what happened.
func (r *run) rollback(ctx context.Context, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	// What finishers stored outside the copies goes even with keep_on_failure: no later run would find it.
	var undoErrs []error
	for _, u := range r.undo {
		undoErrs = append(undoErrs, u(rctx))
	}
	undoErr := errors.Join(undoErrs...)
	if r.cfg.KeepOnFailure {
		r.ui.Error(fmt.Sprintf("keep_on_failure is set: leaving what this run created; the next run of this build removes it (tag %s = %s)",
			imagecopy.TagRun, r.runID))
		if undoErr != nil {
			return fmt.Errorf("%w; rollback: %w", cause, undoErr)
		}
		return cause
	}
	r.ui.Say("Rolling back every region...")
	report, err := r.copier.Rollback(rctx, r.copies)
	r.ui.Say("Per region:\n" + report.String())
	if err = errors.Join(undoErr, err); err != nil {
		return fmt.Errorf("%w; rollback: %w", cause, err)
	}
	return fmt.Errorf("%w (rolled back: nothing this run created is left)", cause)
}

func (r *run) artifact() *Artifact {
	a := &Artifact{
		Images: map[string]string{}, Snapshots: map[string][]string{}, KMSKeys: map[string]string{}, Provenance: map[string]string{},
		SourceRegion: r.primary, SourceAMI: r.sources[r.primary], SourceAMIName: r.images[r.primary].Name,
		remove: r.copier.Remove,
	}
	for _, cp := range r.copies {
		a.Images[cp.Region] = cp.Image.ID
		a.Snapshots[cp.Region] = cp.Image.SnapshotIDs()
		a.KMSKeys[cp.Region] = cp.KMSKeyARN
		if r.signing != nil {
			a.Provenance[cp.Region] = uris(r.signing.pointers[cp.Region])
		}
	}
	return a
}

// pipeline names what this post-processor seals across runs: the build and
// the AMI name template, hashed when too long for a tag value.
func pipeline(cfg *Config) string {
	p := cfg.PackerBuildName + "/" + cfg.AMIName
	if len(p) > tagpolicy.MaxValueLength {
		sum := sha256.Sum256([]byte(p))
		p = p[:tagpolicy.MaxValueLength-17] + "#" + hex.EncodeToString(sum[:8])
	}
	return p
}

// runID is the id Packer gives the run (PACKER_RUN_UUID in the environment
// of its plugins; common.PackerConfig does not carry it); a fresh id when
// there is none.
func runID() string {
	if id := os.Getenv("PACKER_RUN_UUID"); id != "" {
		return id
	}
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *Config) fixedDelay() time.Duration {
	if c.Polling == nil {
		return 0
	}
	if c.Polling.DelaySeconds == 0 {
		return 15 * time.Second
	}
	return time.Duration(c.Polling.DelaySeconds) * time.Second
}

func (c *Config) maxAttempts() int {
	if c.Polling == nil {
		return 0
	}
	return c.Polling.MaxAttempts
}
