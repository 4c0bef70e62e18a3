package seal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/hcltemplate"
	"github.com/goldenami/packer-plugin-golden/internal/iampolicy"
)

const iamUsage = `usage: packer-plugin-golden iam-policy [flags] [TEMPLATE]

Prints the least IAM policy that golden-seal needs for the golden-seal
post-processors of TEMPLATE (a .pkr.hcl file or a directory of them; default
the current directory), with their provenance and retention settings:
every action scoped to the regions, keys, bucket and parameters they name.
Variables are read as packer does (-var, -var-file, PKR_VAR_, defaults,
*.auto.pkrvars.hcl). The builder's own permissions are not included.

flags:
`

type iamOptions struct {
	path     string
	scope    PolicyScope
	vars     map[string]string
	varFiles []string
}

// IAMPolicyMain runs `packer-plugin-golden iam-policy` with args (those after
// "iam-policy") and returns the exit status.
func IAMPolicyMain(_ context.Context, args []string, environ []string, stdout, stderr io.Writer) int {
	o, err := parseIAMArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "iam-policy:", err)
		return 2
	}
	doc, err := templatePolicy(o, environ)
	if err != nil {
		fmt.Fprintln(stderr, "iam-policy:", err)
		return 1
	}
	b, err := doc.JSON()
	if err != nil {
		fmt.Fprintln(stderr, "iam-policy:", err)
		return 1
	}
	stdout.Write(b)
	return 0
}

func parseIAMArgs(args []string, stderr io.Writer) (iamOptions, error) {
	o := iamOptions{vars: map[string]string{}}
	fs := flag.NewFlagSet("iam-policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, iamUsage); fs.PrintDefaults() }
	fs.StringVar(&o.scope.Account, "account", "", "the account id the images belong to (default: any, *)")
	fs.Func("artifact-regions", "the regions of the builder's images, comma separated (default: golden-seal's region)", func(s string) error {
		o.scope.ArtifactRegions = strings.Split(s, ",")
		return nil
	})
	fs.Func("var", "a template variable, name=value (repeatable)", func(s string) error {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("-var %q: write name=value", s)
		}
		o.vars[name] = value
		return nil
	})
	fs.Func("var-file", "a file of template variables (repeatable)", func(s string) error {
		o.varFiles = append(o.varFiles, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch fs.NArg() {
	case 0:
		o.path = "."
	case 1:
		o.path = fs.Arg(0)
	default:
		return o, fmt.Errorf("one template at a time, got %s", strings.Join(fs.Args(), " "))
	}
	if o.scope.Account != "" && !accountPattern.MatchString(o.scope.Account) {
		return o, fmt.Errorf("-account %q is not an AWS account id (12 digits)", o.scope.Account)
	}
	return o, nil
}

// templatePolicy is the policy of every golden-seal block of the template,
// checked as packer validate checks them.
func templatePolicy(o iamOptions, environ []string) (iampolicy.Document, error) {
	spec := new(PostProcessor).ConfigSpec()
	blocks, err := hcltemplate.Blocks(o.path, "post-processor", "golden-seal", spec, hcltemplate.Options{Vars: o.vars, VarFiles: o.varFiles, Environ: environ})
	if err != nil {
		return iampolicy.Document{}, err
	}
	if len(blocks) == 0 {
		return iampolicy.Document{}, fmt.Errorf("%s has no post-processor \"golden-seal\" in a build", o.path)
	}
	var all []iampolicy.Statement
	for i, b := range blocks {
		if len(b.Unknown) > 0 {
			return iampolicy.Document{}, fmt.Errorf("golden-seal at %s: %s not known before the build: give the variables they come from (-var, -var-file)",
				b.Range, strings.Join(b.Unknown, ", "))
		}
		var p PostProcessor
		if err := p.Configure(b.Value); err != nil {
			return iampolicy.Document{}, fmt.Errorf("golden-seal at %s: %w", b.Range, err)
		}
		doc, err := p.config.Policy(o.scope)
		if err != nil {
			return iampolicy.Document{}, fmt.Errorf("golden-seal at %s: %w", b.Range, err)
		}
		for _, s := range doc.Statement {
			if len(blocks) > 1 {
				s.Sid = fmt.Sprintf("%s%d", s.Sid, i+1)
			}
			all = append(all, s)
		}
	}
	doc := iampolicy.New(all...)
	return doc, doc.Validate()
}
