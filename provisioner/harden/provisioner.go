// Package harden is the golden-harden provisioner: it runs the hardening
// baseline and the user's scripts on the machine being imaged in one round trip
// (upload a bundle, run it, download its results) and writes the reports.
package harden

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
	"github.com/goldenami/packer-plugin-golden/version"
)

var _ packersdk.Provisioner = (*Provisioner)(nil)

// Provisioner is golden-harden.
type Provisioner struct {
	config    Config
	prepared  prepared
	catalogue *hardening.Catalogue // nil means hardening.Default(); tests set their own
}

// ConfigSpec returns the HCL2 spec of Config.
func (p *Provisioner) ConfigSpec() hcldec.ObjectSpec { return p.config.FlatMapstructure().HCL2Spec() }

// Prepare decodes and checks the configuration; every problem is reported at `packer validate`.
func (p *Provisioner) Prepare(raws ...any) error {
	if p.catalogue == nil {
		p.catalogue = hardening.Default()
	}
	prep, err := p.config.decode(p.catalogue, raws...)
	if err != nil {
		return err
	}
	p.prepared = prep
	// Secrets stay out of this plugin's log, as sensitive variables stay out
	// of Packer's (packer_sensitive_variables holds their names, not values).
	packersdk.LogSecretFilter.Set(p.prepared.secrets...)
	return nil
}

// prepared is a Config checked and resolved against the catalogue.
type prepared struct {
	selected hardening.Selected
	mode     hardening.Mode
	failOn   hardening.FailOn
	env      []hardening.EnvVar
	scripts  []string // paths, in order
	secrets  []string // the values of sensitive_env, the longest first
	scap     *hardening.SCAP
}

// executeCommandData is what execute_command can refer to.
type executeCommandData struct {
	Path string // the uploaded bundle
	Vars string // always empty: variables travel in the bundle; kept for shell provisioner templates
}

// Provision runs the plan on the machine and writes the reports; it fails the
// build if a script fails or a rule at or above fail_on still fails.
func (p *Provisioner) Provision(ctx context.Context, ui packersdk.Ui, comm packersdk.Communicator, generatedData map[string]any) error {
	started := time.Now()
	plan, names, err := p.plan(generatedData)
	if err != nil {
		return err
	}
	b, err := plan.Bundle()
	if err != nil {
		return fmt.Errorf("golden-harden: %w", err)
	}
	paths := b.Paths(p.config.RemoteDir)
	p.config.ctx.Data = &executeCommandData{Path: paths.Bundle}
	command, err := interpolate.Render(p.config.ExecuteCommand, &p.config.ctx)
	if err != nil {
		return fmt.Errorf("golden-harden: execute_command: %w", err)
	}
	scap := ""
	if s := plan.SCAP; s != nil {
		scap = fmt.Sprintf(", then oscap (%s, profile %s%s)", s.Datastream, s.Profile, map[bool]string{true: ", remediate"}[s.Remediate])
	}
	ui.Say(fmt.Sprintf("golden-harden: %d rules (%s, %s), %d scripts%s: one upload of %d KiB to %s",
		len(plan.Selected.Rules), plan.Selected.Profile, plan.Mode, len(plan.Scripts), scap, (len(b.Data)+1023)/1024, paths.Bundle))

	out := newStream(ui, b.Marker, names)
	res, err := run(ctx, comm, b, paths, command, out)
	if err != nil {
		return fmt.Errorf("golden-harden: %w", err)
	}
	for i := range res.Scripts {
		if res.Scripts[i].OutputTail == "" {
			res.Scripts[i].OutputTail = out.outputTail(res.Scripts[i].Index)
		}
		res.Scripts[i].OutputTail = p.mask(res.Scripts[i].OutputTail)
	}
	res.Fatal = p.mask(res.Fatal)
	report, err := hardening.NewReport(hardening.Meta{
		PackerRunUUID: runUUID(generatedData), BuildName: p.config.PackerBuildName, PluginVersion: version.PluginVersion.FormattedVersion(),
		FailOn: p.prepared.failOn, Started: started, Duration: time.Since(started),
	}, plan, b, res)
	if err != nil {
		return fmt.Errorf("golden-harden: %w", err)
	}
	written, err := p.writeReports(report)
	for _, line := range report.Summary() {
		if line.Failure {
			ui.Error(line.Text)
		} else {
			ui.Say(line.Text)
		}
	}
	if len(written) > 0 {
		ui.Say("golden-harden: reports: " + strings.Join(written, ", "))
	}
	if err != nil {
		return err
	}
	return verdictError(report, res)
}

// mask replaces the values of sensitive_env in what a script printed.
func (p *Provisioner) mask(s string) string {
	for _, secret := range p.prepared.secrets {
		s = strings.ReplaceAll(s, secret, "<sensitive>")
	}
	return s
}

// plan reads the scripts and resolves what the runner will do.
func (p *Provisioner) plan(generatedData map[string]any) (hardening.Plan, []string, error) {
	plan := hardening.Plan{
		RunID: hardening.NewRunID(), Mode: p.prepared.mode, Selected: p.prepared.selected,
		ScriptsFirst: p.config.ScriptsFirst, ValidExitCodes: p.config.ValidExitCodes, SCAP: p.prepared.scap,
	}
	var names []string
	for _, path := range p.prepared.scripts {
		data, err := os.ReadFile(path)
		if err != nil {
			return plan, nil, fmt.Errorf("golden-harden: reading script %s: %w", path, err)
		}
		plan.Scripts = append(plan.Scripts, hardening.Script{Name: path, Content: data})
		names = append(names, path)
	}
	if len(p.config.Inline) > 0 {
		body := "#!" + p.config.InlineShebang + "\n" + strings.Join(p.config.Inline, "\n") + "\n"
		plan.Scripts = append(plan.Scripts, hardening.Script{Name: "inline", Content: []byte(body)})
		names = append(names, "inline")
	}
	plan.Env = append([]hardening.EnvVar{
		{Name: "PACKER_BUILD_NAME", Value: p.config.PackerBuildName},
		{Name: "PACKER_BUILDER_TYPE", Value: p.config.PackerBuilderType},
	}, p.prepared.env...)
	if addr, ok := generatedData["PackerHTTPAddr"].(string); ok && addr != "" {
		plan.Env = append(plan.Env, hardening.EnvVar{Name: "PACKER_HTTP_ADDR", Value: addr})
	}
	return plan, names, nil
}

// runUUID is the run's PACKER_RUN_UUID, which golden-seal uses to find the report.
func runUUID(generatedData map[string]any) string {
	if id, ok := generatedData["PackerRunUUID"].(string); ok && id != "" {
		return id
	}
	return os.Getenv(hardening.RunUUIDEnv)
}

// verdictError fails the build for a failed script or a failure at or above fail_on.
func verdictError(r *hardening.Report, res *hardening.Results) error {
	if r.Verdict != hardening.VerdictFail {
		return nil
	}
	var msgs []string
	for _, s := range r.Scripts {
		if s.Status == hardening.ScriptFailed {
			code := -1
			if s.ExitCode != nil {
				code = *s.ExitCode
			}
			msgs = append(msgs, fmt.Sprintf("script %s exited with %d; its last output:\n%s", s.Name, code, strings.TrimRight(s.OutputTail, "\n")))
		}
	}
	if res.Fatal != "" {
		msgs = append(msgs, res.Fatal)
	}
	failOn, _ := hardening.ParseFailOn(r.Run.FailOn) // the report was built from a checked fail_on
	var failing []string
	for _, rule := range r.Failing() {
		if failOn.Reached(rule.Severity) {
			failing = append(failing, fmt.Sprintf("%s (%s)", rule.ID, rule.Severity))
		}
	}
	if len(failing) > 0 {
		msgs = append(msgs, fmt.Sprintf("%d rules at or above fail_on = %s still fail: %s; see the report, fix them with a script, or skip them with skip_rules",
			len(failing), r.Run.FailOn, strings.Join(failing, ", ")))
	}
	var scapFailing []string
	for _, rule := range r.SCAP.Failing() {
		if failOn.Reached(hardening.SCAPSeverity(rule.Severity)) {
			scapFailing = append(scapFailing, fmt.Sprintf("%s (%s)", rule.ID, rule.Severity))
		}
	}
	if len(scapFailing) > 0 {
		msgs = append(msgs, fmt.Sprintf("%d SCAP rules at or above fail_on = %s still fail: %s; see the report's scap section, fix them with a script or scap.remediate, or choose another profile",
			len(scapFailing), r.Run.FailOn, strings.Join(scapFailing, ", ")))
	}
	return errors.New("golden-harden: " + strings.Join(msgs, "\n"))
}
