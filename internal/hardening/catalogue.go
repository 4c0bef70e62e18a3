package hardening

import (
	"embed"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

//go:embed rules/*.hcl
var rulesFS embed.FS

// ruleFiles are the catalogue's files in the order their rules run: packages are
// removed and installed before the rules that configure or scan what they left.
var ruleFiles = []string{"packages", "services", "ssh", "kernel", "network", "modules", "files", "accounts"}

// Families are the OS families a rule can name: /etc/os-release's ID or ID_LIKE.
var Families = []string{"debian", "ubuntu", "rhel", "fedora", "amzn"}

// defaultFamilies are a rule's families when it names none: its check and fix
// use only files and tools every Linux has.
var defaultFamilies = []string{"debian", "rhel", "fedora"}

// VerifiedOS is where the baseline is tested end to end, every release.
const VerifiedOS = "Debian 12 (bookworm)"

// Rule is one hardening rule of the catalogue.
type Rule struct {
	ID         string
	Title      string
	Category   string // the catalogue file: ssh, kernel, network, …
	Severity   Severity
	OSFamilies []string
	Effect     Effect
	References []string
	Rationale  string
	Check      string // sh: prints evidence, returns 0 pass, 1 fail, 2 not applicable
	Fix        string // sh: returns 0 when done, 3 when a person has to act; "" if there is no fix
	Params     []Param
}

// Param is a value a rule's snippets read as a shell variable, set by rule_overrides.
type Param struct {
	Name        string
	Default     string
	Description string
	Pattern     *regexp.Regexp
	Rule        string // the rule that declares it
}

// Catalogue is the set of rules golden-harden knows, in the order they run.
type Catalogue struct {
	Rules  []Rule
	byID   map[string]int
	params map[string]Param
}

var loadDefault = sync.OnceValues(func() (*Catalogue, error) { return load() })

// Default returns the embedded catalogue. It panics if the catalogue is invalid,
// which its tests rule out.
func Default() *Catalogue {
	c, err := loadDefault()
	if err != nil {
		panic(err)
	}
	return c
}

// NewCatalogue builds a catalogue of rules, in order, checking them as the
// embedded one is checked. Rules without OS families or effect get the defaults.
func NewCatalogue(rules ...Rule) (*Catalogue, error) {
	c := &Catalogue{byID: map[string]int{}, params: map[string]Param{}}
	var errs []error
	for _, r := range rules {
		if r.OSFamilies == nil {
			r.OSFamilies = defaultFamilies
		}
		if r.Effect == "" {
			r.Effect = EffectNow
		}
		if r.Category == "" {
			r.Category = "custom"
		}
		for i := range r.Params {
			r.Params[i].Rule = r.ID
		}
		errs = append(errs, c.add(r))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Rule returns the rule with this id.
func (c *Catalogue) Rule(id string) (Rule, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Rule{}, false
	}
	return c.Rules[i], true
}

// Params returns every parameter, sorted by name.
func (c *Catalogue) Params() []Param {
	out := make([]Param, 0, len(c.params))
	for _, p := range c.params {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	return out
}

type catalogueFile struct {
	Rules []struct {
		ID         string   `hcl:"id,label"`
		Title      string   `hcl:"title"`
		Severity   string   `hcl:"severity"`
		OSFamilies []string `hcl:"os_families,optional"`
		Effect     string   `hcl:"effect,optional"`
		References []string `hcl:"references,optional"`
		Rationale  string   `hcl:"rationale"`
		Check      string   `hcl:"check"`
		Fix        string   `hcl:"fix,optional"`
		Params     []struct {
			Name        string `hcl:"name,label"`
			Default     string `hcl:"default"`
			Pattern     string `hcl:"pattern"`
			Description string `hcl:"description"`
		} `hcl:"param,block"`
	} `hcl:"rule,block"`
}

var (
	ruleID    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

func load() (*Catalogue, error) {
	parser := hclparse.NewParser()
	var rules []Rule
	var errs []error
	for _, name := range ruleFiles {
		file := "rules/" + name + ".hcl"
		src, err := rulesFS.ReadFile(file)
		if err != nil {
			return nil, err
		}
		f, diags := parser.ParseHCL(src, file)
		if diags.HasErrors() {
			return nil, diags
		}
		var cf catalogueFile
		if diags := gohcl.DecodeBody(f.Body, &hcl.EvalContext{}, &cf); diags.HasErrors() {
			return nil, diags
		}
		for _, r := range cf.Rules {
			rule := Rule{
				ID: r.ID, Title: r.Title, Category: name, Severity: Severity(r.Severity),
				OSFamilies: r.OSFamilies, Effect: Effect(r.Effect), References: r.References,
				Rationale: strings.TrimSpace(r.Rationale), Check: r.Check, Fix: r.Fix,
			}
			for _, p := range r.Params {
				re, err := regexp.Compile(p.Pattern)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: rule %s: param %s: %w", path.Base(file), r.ID, p.Name, err))
					continue
				}
				rule.Params = append(rule.Params, Param{Name: p.Name, Default: p.Default, Description: p.Description, Pattern: re})
			}
			rules = append(rules, rule)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return NewCatalogue(rules...)
}

// add checks a rule and appends it.
func (c *Catalogue) add(r Rule) error {
	var errs []error
	if !ruleID.MatchString(r.ID) {
		errs = append(errs, fmt.Errorf("rule id %q: use lowercase words joined by dashes", r.ID))
	}
	if _, dup := c.byID[r.ID]; dup {
		errs = append(errs, fmt.Errorf("rule %s is defined twice", r.ID))
	}
	if r.Severity.Rank() == 0 {
		errs = append(errs, fmt.Errorf("rule %s: %w %q", r.ID, ErrBadSeverity, r.Severity))
	}
	if r.Effect != EffectNow && r.Effect != EffectNextBoot {
		errs = append(errs, fmt.Errorf("rule %s: effect %q: use now or next-boot", r.ID, r.Effect))
	}
	for _, f := range r.OSFamilies {
		if !slices.Contains(Families, f) {
			errs = append(errs, fmt.Errorf("rule %s: os family %q: use one of %s", r.ID, f, strings.Join(Families, ", ")))
		}
	}
	if r.Title == "" || r.Rationale == "" || strings.TrimSpace(r.Check) == "" {
		errs = append(errs, fmt.Errorf("rule %s needs a title, a rationale and a check", r.ID))
	}
	for _, p := range r.Params {
		if !paramName.MatchString(p.Name) {
			errs = append(errs, fmt.Errorf("rule %s: param name %q: use lowercase words joined by underscores", r.ID, p.Name))
		}
		if other, dup := c.params[p.Name]; dup {
			errs = append(errs, fmt.Errorf("rule %s: param %s is already declared by rule %s", r.ID, p.Name, other.Rule))
		}
		if !p.Pattern.MatchString(p.Default) {
			errs = append(errs, fmt.Errorf("rule %s: param %s: default %q does not match %s", r.ID, p.Name, p.Default, p.Pattern))
		}
		c.params[p.Name] = p
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.byID[r.ID] = len(c.Rules)
	c.Rules = append(c.Rules, r)
	return nil
}
