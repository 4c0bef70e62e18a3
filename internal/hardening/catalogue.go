package hardening

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// catalogueJSON is the catalogue's source, rules/*.hcl, parsed: parsing the
// HCL took 15–20 ms of every golden-harden Prepare, decoding this takes about
// 1 ms. TestCatalogueJSON checks it against the HCL and rewrites it with -update.
//
//go:generate go test -run ^TestCatalogueJSON$ -update .
//go:embed catalogue.json
var catalogueJSON []byte

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

var loadDefault = sync.OnceValues(func() (*Catalogue, error) { return decodeCatalogue(catalogueJSON) })

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

// catalogueFile is one file of rules/ as written, and its part of catalogue.json.
// catalogue.json lists the files in the order their rules run.
type catalogueFile struct {
	Name  string `json:"name"`
	Rules []struct {
		ID         string   `hcl:"id,label" json:"id"`
		Title      string   `hcl:"title" json:"title"`
		Severity   string   `hcl:"severity" json:"severity"`
		OSFamilies []string `hcl:"os_families,optional" json:"os_families,omitempty"`
		Effect     string   `hcl:"effect,optional" json:"effect,omitempty"`
		References []string `hcl:"references,optional" json:"references,omitempty"`
		Rationale  string   `hcl:"rationale" json:"rationale"`
		Check      string   `hcl:"check" json:"check"`
		Fix        string   `hcl:"fix,optional" json:"fix,omitempty"`
		Params     []struct {
			Name        string `hcl:"name,label" json:"name"`
			Default     string `hcl:"default" json:"default"`
			Pattern     string `hcl:"pattern" json:"pattern"`
			Description string `hcl:"description" json:"description"`
		} `hcl:"param,block" json:"params,omitempty"`
	} `hcl:"rule,block" json:"rules"`
}

var (
	ruleID    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// decodeCatalogue reads the catalogue from catalogue.json.
func decodeCatalogue(data []byte) (*Catalogue, error) {
	var files []catalogueFile
	if err := json.Unmarshal(data, &files); err != nil {
		return nil, fmt.Errorf("catalogue.json: %w", err)
	}
	return fromFiles(files)
}

// fromFiles checks the rules of the files and builds the catalogue.
func fromFiles(files []catalogueFile) (*Catalogue, error) {
	var rules []Rule
	var errs []error
	for _, cf := range files {
		name, file := cf.Name, "rules/"+cf.Name+".hcl"
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
