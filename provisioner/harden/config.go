//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,SCAPConfig
//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown
//go:generate go run ../../internal/cmd/ruledocs -o ../../docs-partials/provisioner/harden/rules.mdx

package harden

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/goldenami/packer-plugin-golden/internal/hardening"
)

// Config is the configuration of the golden-harden provisioner.
type Config struct {
	common.PackerConfig `mapstructure:",squash"`

	// The built-in rule set to run: `baseline` (every rule of the catalogue)
	// or `none` (only your scripts, or the rules `only_rules` names).
	// Defaults to `baseline`.
	Profile string `mapstructure:"profile"`
	// Rule ids, or patterns such as `sshd-*`, to run instead of the profile's rules.
	OnlyRules []string `mapstructure:"only_rules"`
	// Rule ids, or patterns, to leave out.
	SkipRules []string `mapstructure:"skip_rules"`
	// Rule parameters, by name, such as `sshd_ciphers` or
	// `login_pass_max_days`; the rule catalogue lists them with their defaults.
	RuleOverrides map[string]string `mapstructure:"rule_overrides"`
	// `enforce` (the default) checks every rule, fixes what fails and checks
	// again; `audit` only checks and changes nothing on the machine. Scripts run
	// in both modes.
	Mode string `mapstructure:"mode"`
	// The lowest severity of a rule still failing after the run that fails the
	// build: `none`, `low`, `medium`, `high` (the default) or `critical`.
	// Rules that cannot be checked count as failing; a failed script always
	// fails the build.
	FailOn string `mapstructure:"fail_on"`
	// The path of a script to run on the machine, as in the shell provisioner.
	Script string `mapstructure:"script"`
	// Paths of scripts to run on the machine, in order.
	Scripts []string `mapstructure:"scripts"`
	// Commands to run on the machine, as one script, after `scripts`.
	Inline []string `mapstructure:"inline"`
	// The interpreter of the `inline` script. Defaults to `/bin/sh -e`.
	InlineShebang string `mapstructure:"inline_shebang"`
	// Run the scripts before the rules instead of after them.
	ScriptsFirst bool `mapstructure:"scripts_first"`
	// Environment variables for the scripts, as `NAME=value`. Their values travel
	// inside the uploaded bundle (mode 0600, in a 0700 directory), never on a
	// command line.
	EnvironmentVars []string `mapstructure:"environment_vars"`
	// Environment variables for the scripts, as a map; merged with `environment_vars`.
	Env map[string]string `mapstructure:"env"`
	// Environment variables for the scripts whose values are secrets, such as
	// `{ API_TOKEN = var.api_token }`: passed like `env`, and replaced by
	// `<sensitive>` wherever golden-harden writes what a script printed (its
	// reports, its log). Packer tells plugins which variables are sensitive
	// but not their values, so a secret given in `env` or `environment_vars`
	// reaches the reports when a script prints it: give secrets here.
	SensitiveEnv map[string]string `mapstructure:"sensitive_env"`
	// The command that runs the uploaded bundle; `{{.Path}}` is its path and
	// `{{.Vars}}` is always empty (variables travel in the bundle). The command
	// must pass its standard input on to the bundle. Defaults to `sh {{.Path}}`;
	// the bundle becomes root with `sudo -n` itself when the user is not root.
	ExecuteCommand string `mapstructure:"execute_command"`
	// The directory on the machine the bundle is uploaded to and unpacked in
	// (a new 0700 directory, removed afterwards). Defaults to `/tmp`.
	RemoteDir string `mapstructure:"remote_dir"`
	// The exit codes of a script that count as success. Defaults to `[0]`.
	ValidExitCodes []int `mapstructure:"valid_exit_codes"`
	// Where the JSON, JUnit XML and HTML reports are written on the machine
	// running Packer. Defaults to `golden-harden-reports`.
	ReportDir string `mapstructure:"report_dir"`
	// Where the report is left for golden-seal, keyed by the run's
	// PACKER_RUN_UUID and the build's name. Defaults to `packer-golden-harden`
	// in the system's temporary directory.
	RendezvousDir string `mapstructure:"rendezvous_dir"`
	// Runs OpenSCAP (`oscap xccdf eval`) on the machine after the rules and
	// scripts, and folds its XCCDF results into the report as a section of
	// their own; `fail_on` applies to them by their XCCDF severity. See
	// [The scap block](#the-scap-block).
	SCAP *SCAPConfig `mapstructure:"scap"`

	ctx interpolate.Context
}

// SCAPConfig is the scap block: an evaluation of a SCAP source data stream
// with `oscap xccdf eval` on the machine being imaged, once the rules and
// scripts are done, so that it judges the image as it will be.
type SCAPConfig struct {
	// The absolute path, on the machine, of a SCAP source data stream, such as
	// `/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml`. Its sha256 is
	// recorded in the report and, through golden-seal, in the provenance.
	Datastream string `mapstructure:"datastream" required:"true"`
	// The XCCDF profile to evaluate: its id, such as
	// `xccdf_org.ssgproject.content_profile_standard`, or a suffix of it that
	// `oscap` expands, such as `standard` (`oscap info` on the data stream
	// lists the profiles). The report gives the full id.
	Profile string `mapstructure:"profile" required:"true"`
	// Runs `oscap xccdf eval --remediate`: the data stream's fixes for the
	// rules that fail, then the rules again; those that pass then are `fixed`.
	// Defaults to `false`. Not with `mode = "audit"`.
	Remediate bool `mapstructure:"remediate"`
}

// Defaults.
const (
	defaultExecuteCommand = "sh {{.Path}}"
	defaultInlineShebang  = "/bin/sh -e"
	defaultRemoteDir      = "/tmp"
	defaultReportDir      = "golden-harden-reports"
	defaultFailOn         = "high"
)

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// decode reads raws into c and checks it.
func (c *Config) decode(cat *hardening.Catalogue, raws ...any) (prepared, error) {
	err := config.Decode(c, &config.DecodeOpts{
		PluginType:         "golden-harden",
		Interpolate:        true,
		InterpolateContext: &c.ctx,
		InterpolateFilter:  &interpolate.RenderFilter{Exclude: []string{"execute_command"}},
	}, raws...)
	if err != nil {
		return prepared{}, err
	}
	return c.prepare(cat)
}

// prepare fills in defaults and checks every field, reporting all problems at once.
func (c *Config) prepare(cat *hardening.Catalogue) (prepared, error) {
	var errs []error
	var p prepared
	if c.ExecuteCommand == "" {
		c.ExecuteCommand = defaultExecuteCommand
	}
	if c.InlineShebang == "" {
		c.InlineShebang = defaultInlineShebang
	}
	if c.RemoteDir == "" {
		c.RemoteDir = defaultRemoteDir
	}
	if c.ReportDir == "" {
		c.ReportDir = defaultReportDir
	}
	if c.RendezvousDir == "" {
		c.RendezvousDir = hardening.DefaultRendezvousDir()
	}
	if c.Mode == "" {
		c.Mode = string(hardening.ModeEnforce)
	}
	if c.FailOn == "" {
		c.FailOn = defaultFailOn
	}
	if len(c.ValidExitCodes) == 0 {
		c.ValidExitCodes = []int{0}
	}

	var err error
	if p.mode, err = hardening.ParseMode(c.Mode); err != nil {
		errs = append(errs, fmt.Errorf("mode: %w", err))
	}
	if p.failOn, err = hardening.ParseFailOn(c.FailOn); err != nil {
		errs = append(errs, fmt.Errorf("fail_on: %w", err))
	}
	p.selected, err = cat.Select(hardening.Selection{Profile: c.Profile, Only: c.OnlyRules, Skip: c.SkipRules, Overrides: c.RuleOverrides})
	if err != nil {
		errs = append(errs, err)
	}
	if !strings.Contains(c.ExecuteCommand, "{{.Path}}") && !strings.Contains(c.ExecuteCommand, "{{ .Path }}") {
		errs = append(errs, fmt.Errorf("execute_command %q does not contain {{.Path}}: it must run the uploaded bundle", c.ExecuteCommand))
	}
	if !strings.HasPrefix(c.RemoteDir, "/") {
		errs = append(errs, fmt.Errorf("remote_dir %q is not an absolute path: give one such as /tmp, writable by the ssh user", c.RemoteDir))
	}
	for _, code := range c.ValidExitCodes {
		if code < 0 || code > 255 {
			errs = append(errs, fmt.Errorf("valid_exit_codes: %d is not an exit code (0 to 255)", code))
		}
	}

	if c.SCAP != nil {
		p.scap = &hardening.SCAP{Datastream: c.SCAP.Datastream, Profile: c.SCAP.Profile, Remediate: c.SCAP.Remediate}
		if err := p.scap.Validate(); err != nil {
			errs = append(errs, err)
		}
		if c.SCAP.Remediate && p.mode == hardening.ModeAudit {
			errs = append(errs, errors.New(`scap.remediate = true with mode = "audit": audit changes nothing on the machine; set mode = "enforce" or remove remediate`))
		}
	}

	if c.Script != "" {
		p.scripts = append(p.scripts, c.Script)
	}
	p.scripts = append(p.scripts, c.Scripts...)
	for i, s := range p.scripts {
		if s == "" {
			errs = append(errs, fmt.Errorf("scripts[%d] is empty: give the path of a script", i))
			continue
		}
		fi, err := os.Stat(s)
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, fmt.Errorf("script %s does not exist (paths are relative to where packer runs)", s))
		case err != nil:
			errs = append(errs, fmt.Errorf("script %s: %w", s, err))
		case fi.IsDir():
			errs = append(errs, fmt.Errorf("script %s is a directory: list its files in scripts", s))
		}
	}

	seen := map[string]bool{}
	for _, kv := range c.EnvironmentVars {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !envVarName.MatchString(name) {
			errs = append(errs, fmt.Errorf("environment_vars: %q is not NAME=value with a NAME of letters, digits and underscores", kv))
			continue
		}
		seen[name] = true
		p.env = append(p.env, hardening.EnvVar{Name: name, Value: value})
	}
	for _, name := range sortedKeys(c.Env) {
		if !envVarName.MatchString(name) {
			errs = append(errs, fmt.Errorf("env: %q is not a variable name of letters, digits and underscores", name))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("env: %s is also set in environment_vars: set it once", name))
			continue
		}
		p.env = append(p.env, hardening.EnvVar{Name: name, Value: c.Env[name]})
		seen[name] = true
	}
	for _, name := range sortedKeys(c.SensitiveEnv) {
		if !envVarName.MatchString(name) {
			errs = append(errs, fmt.Errorf("sensitive_env: %q is not a variable name of letters, digits and underscores", name))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("sensitive_env: %s is also set in env or environment_vars: set it once, here", name))
			continue
		}
		p.env = append(p.env, hardening.EnvVar{Name: name, Value: c.SensitiveEnv[name]})
		if v := c.SensitiveEnv[name]; v != "" {
			p.secrets = append(p.secrets, v)
		}
	}
	// the longest first, so that a secret inside another is not half masked
	slices.SortFunc(p.secrets, func(a, b string) int { return len(b) - len(a) })

	if len(errs) == 0 && len(p.selected.Rules) == 0 && len(p.scripts) == 0 && len(c.Inline) == 0 && p.scap == nil {
		errs = append(errs, errors.New(`golden-harden has nothing to run: use profile "baseline", name rules in only_rules, give scripts or inline commands, or a scap block`))
	}
	if len(errs) > 0 {
		return prepared{}, packersdk.MultiErrorAppend(nil, flatten(errs)...)
	}
	return p, nil
}

// flatten splits joined errors, so that Packer lists each on its own line.
func flatten(errs []error) []error {
	var out []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			out = append(out, flatten(j.Unwrap())...)
		} else {
			out = append(out, err)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
