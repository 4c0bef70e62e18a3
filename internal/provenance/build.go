package provenance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run is what golden-seal knows about the build it sealed, in plain values.
// One Run yields one statement per sealed image (Statement).
type Run struct {
	BuildName    string    // packer_build_name
	InvocationID string    // packer_run_uuid
	StartedOn    time.Time // the build's start; zero when unknown
	FinishedOn   time.Time // when sealing finished; zero when unknown

	Templates []File // the Packer template files and their sha256

	// Variables are the template variables to record. Those named in
	// Sensitive are recorded as Redacted, and their values are scrubbed
	// from every other string of the record.
	Variables map[string]string
	Sensitive []string
	// Secrets are more values never to record (credentials, tokens): each
	// is replaced by Redacted wherever it appears.
	Secrets []string

	Source    SourceImage       // the image golden-seal copied: the build's output
	Base      SourceImage       // the image the build started from (the builder's source_ami); zero when unknown
	Regions   []string          // every region sealed
	KMSKeyIDs map[string]string // region → KMS key ARN the region's AMI is encrypted with
	Tags      map[string]string // tags applied to the AMIs

	Hardening *Hardening // nil: the image was not hardened

	PackerVersion string // packer_core_version
	PluginVersion string // this plugin's version
	Runner        Runner // DetectRunner(os.Getenv, hostname)
}

// SourceImage is an AMI the sealed one comes from.
type SourceImage struct {
	Region       string
	ImageID      string
	OwnerID      string
	Name         string
	CreationDate string
	Digest       string // its ImageDigest when known, else ""
}

// Hardening is what golden-harden's report says, mapped by the caller.
type Hardening struct {
	ReportSHA256 string // sha256 of the report file as written
	Verdict      string // the report's verdict, e.g. "pass"
	RuleSets     []File // rule sets by name (Path) and sha256
	Scripts      []File // user scripts by path and sha256
}

// Roles of resource descriptors (annotation "role").
const (
	RoleSourceAMI       = "source-ami"
	RoleBaseAMI         = "base-ami"
	RoleTemplate        = "template"
	RoleRuleSet         = "hardening-rules"
	RoleScript          = "hardening-script"
	RoleTool            = "tool"
	RoleHardeningReport = "hardening-report"
)

// NotHardened is the verdict recorded when the seal found no hardening report.
const NotHardened = "not-hardened"

// Statement builds the validated statement for one sealed image of the run.
func (r *Run) Statement(img Image) (*Statement, error) {
	digest, err := ImageDigest(img)
	if err != nil {
		return nil, err
	}
	name, err := ImageARN(img.Region, img.ImageID)
	if err != nil {
		return nil, err
	}
	red := newRedactor(r.secrets())
	subject := ResourceDescriptor{
		Name:        name,
		Digest:      map[string]string{"sha256": digest},
		Annotations: map[string]string{"digestType": ImageDigestType},
	}
	if key := r.KMSKeyIDs[img.Region]; key != "" {
		subject.Annotations["kmsKeyId"] = key
	}
	s := &Statement{
		Type:          StatementType,
		Subject:       []ResourceDescriptor{subject},
		PredicateType: PredicateType,
		Predicate: Provenance{
			BuildDefinition: BuildDefinition{
				BuildType:            BuildType,
				ExternalParameters:   r.externalParameters(red),
				InternalParameters:   r.internalParameters(red),
				ResolvedDependencies: r.dependencies(red),
			},
			RunDetails: RunDetails{
				Builder:    r.builder(red),
				Metadata:   r.metadata(),
				Byproducts: []ResourceDescriptor{r.hardeningReport()},
			},
		},
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("provenance for %s: %w", img.ImageID, err)
	}
	return s, nil
}

func (r *Run) secrets() []string {
	out := slices.Clone(r.Secrets)
	for _, name := range r.Sensitive {
		out = append(out, r.Variables[name])
	}
	return out
}

func (r *Run) externalParameters(red redactor) ExternalParameters {
	p := ExternalParameters{
		BuildName: red.str(r.BuildName),
		Regions:   sortedCopy(r.Regions),
		KMSKeyIDs: red.stringMap(r.KMSKeyIDs),
		Tags:      red.stringMap(r.Tags),
	}
	for _, f := range sortedFiles(r.Templates) {
		p.Templates = append(p.Templates, File{Path: red.str(f.Path), SHA256: f.SHA256})
	}
	if len(r.Variables) > 0 {
		p.Variables = red.stringMap(r.Variables)
		for _, name := range r.Sensitive {
			if _, ok := r.Variables[name]; ok {
				p.Variables[red.str(name)] = Redacted
			}
		}
	}
	if r.Source.ImageID != "" {
		p.SourceAMI = &SourceParameter{ImageID: r.Source.ImageID, Region: r.Source.Region}
	}
	return p
}

func (r *Run) internalParameters(red redactor) *InternalParameters {
	if r.Runner.CI == "" && len(r.Runner.Env) == 0 {
		return nil
	}
	return &InternalParameters{CI: r.Runner.CI, Env: red.stringMap(r.Runner.Env)}
}

func (r *Run) dependencies(red redactor) []ResourceDescriptor {
	var deps []ResourceDescriptor
	for _, img := range []struct {
		image SourceImage
		role  string
	}{{r.Source, RoleSourceAMI}, {r.Base, RoleBaseAMI}} {
		if img.image.ImageID != "" {
			deps = append(deps, imageDescriptor(red, img.image, img.role))
		}
	}
	for _, f := range sortedFiles(r.Templates) {
		deps = append(deps, fileDescriptor(red, f, RoleTemplate))
	}
	if h := r.Hardening; h != nil {
		for _, f := range sortedFiles(h.RuleSets) {
			deps = append(deps, fileDescriptor(red, f, RoleRuleSet))
		}
		for _, f := range sortedFiles(h.Scripts) {
			deps = append(deps, fileDescriptor(red, f, RoleScript))
		}
	}
	if r.PackerVersion != "" {
		deps = append(deps, tool("packer", "pkg:golang/github.com/hashicorp/packer@"+vPrefix(r.PackerVersion)))
	}
	if r.PluginVersion != "" {
		deps = append(deps, tool("packer-plugin-golden", "pkg:golang/github.com/goldenami/packer-plugin-golden@"+vPrefix(r.PluginVersion)))
	}
	return deps
}

func imageDescriptor(red redactor, img SourceImage, role string) ResourceDescriptor {
	d := ResourceDescriptor{Name: img.ImageID, Annotations: map[string]string{"role": role, "imageId": img.ImageID}}
	if arn, err := ImageARN(img.Region, img.ImageID); err == nil {
		d.Name = arn
	}
	if img.Digest != "" {
		d.Digest = map[string]string{"sha256": img.Digest}
	}
	for k, v := range map[string]string{"ownerId": img.OwnerID, "name": red.str(img.Name), "creationDate": img.CreationDate, "region": img.Region} {
		if v != "" {
			d.Annotations[k] = v
		}
	}
	return d
}

func (r *Run) builder(red redactor) Builder {
	b := Builder{ID: red.str(r.Runner.BuilderID)}
	if r.PluginVersion != "" {
		b.Version = map[string]string{"packer-plugin-golden": r.PluginVersion}
	}
	return b
}

func (r *Run) metadata() *BuildMetadata {
	m := BuildMetadata{InvocationID: r.InvocationID, StartedOn: utc(r.StartedOn), FinishedOn: utc(r.FinishedOn)}
	if m == (BuildMetadata{}) {
		return nil
	}
	return &m
}

func (r *Run) hardeningReport() ResourceDescriptor {
	d := ResourceDescriptor{Name: "hardening-report", Annotations: map[string]string{"role": RoleHardeningReport, "verdict": NotHardened}}
	if h := r.Hardening; h != nil {
		d.MediaType = "application/json"
		d.Annotations["verdict"] = h.Verdict
		if h.ReportSHA256 != "" {
			d.Digest = map[string]string{"sha256": h.ReportSHA256}
		}
	}
	return d
}

func fileDescriptor(red redactor, f File, role string) ResourceDescriptor {
	d := ResourceDescriptor{Name: red.str(f.Path), Annotations: map[string]string{"role": role}}
	if f.SHA256 != "" {
		d.Digest = map[string]string{"sha256": f.SHA256}
	}
	return d
}

func tool(name, purl string) ResourceDescriptor {
	return ResourceDescriptor{Name: name, URI: purl, Annotations: map[string]string{"role": RoleTool}}
}

func vPrefix(v string) string {
	if v != "" && v[0] != 'v' {
		return "v" + v
	}
	return v
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedFiles(files []File) []File {
	out := slices.Clone(files)
	slices.SortFunc(out, func(a, b File) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.SHA256, b.SHA256))
	})
	return out
}
