package seal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/version"
)

// signing is what recording provenance needs; checkProvenance sets it up
// before anything changes.
type signing struct {
	signer    dsse.SignerVerifier
	keyName   string                       // the key as messages name it
	stores    map[string][]attestore.Store // by the region of the image
	checker   imageChecker
	templates []provenance.File
	secrets   []string // credential values to scrub from the record
	runner    provenance.Runner
	pointers  map[string]attestore.Pointer // by region, once stored
}

// uris lists where a record is, as the golden:provenance tag does.
func uris(p attestore.Pointer) string {
	var locs []string
	for _, l := range p.Locations {
		locs = append(locs, l.String())
	}
	return strings.Join(locs, " ")
}

// finishers are the steps that run once every region is sealed: provenance, when configured.
func finishers(cfg *Config) []func(context.Context, *run) error {
	if cfg.Provenance == nil {
		return nil
	}
	return []func(context.Context, *run) error{func(ctx context.Context, r *run) error { return r.signProvenance(ctx) }}
}

// record is what the run knows, for the provenance of the image of cp.
func (r *run) record(cp *imagecopy.Copy, finished time.Time) *provenance.Run {
	s, p := r.signing, r.cfg.Provenance
	keys := map[string]string{}
	var regions []string
	for _, c := range r.copies {
		keys[c.Region] = c.KMSKeyARN
		regions = append(regions, c.Region)
	}
	src := cp.Source
	return &provenance.Run{
		BuildName: r.cfg.PackerBuildName, InvocationID: r.runID, StartedOn: r.started, FinishedOn: finished,
		Templates: s.templates, Variables: p.Variables, Sensitive: r.cfg.PackerSensitiveVars, Secrets: s.secrets,
		Source:  provenance.SourceImage{Region: src.Region, ImageID: src.ID, OwnerID: src.OwnerID, Name: src.Name, CreationDate: src.CreationDate},
		Base:    provenance.SourceImage{Region: r.primary, ImageID: r.built.ImageID, OwnerID: r.built.OwnerID, Name: r.built.Name},
		Regions: regions, KMSKeyIDs: keys, Tags: cp.Tags, Hardening: r.hardening.record,
		PackerVersion: r.cfg.PackerCoreVersion, PluginVersion: version.PluginVersion.FormattedVersion(), Runner: s.runner,
	}
}

// digestTemplates reads the template files; paths under the working
// directory are recorded relative to it, others in full.
func digestTemplates(paths []string) ([]provenance.File, error) {
	wd, _ := os.Getwd()
	var files []provenance.File
	for _, path := range paths {
		sum, err := sha256File(path)
		if err != nil {
			return nil, fmt.Errorf("provenance: template_files: %w", err)
		}
		name := path
		if rel, err := filepath.Rel(wd, path); err == nil && wd != "" && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		files = append(files, provenance.File{Path: filepath.ToSlash(name), SHA256: sum})
	}
	return files, nil
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// credentialValues are the credentials in use, never to be recorded.
func (r *run) credentialValues(ctx context.Context) []string {
	out := []string{r.cfg.AccessKey, r.cfg.SecretKey, r.cfg.Token}
	if r.aws.credentials != nil {
		// Without credentials nothing is sealed anyway: the AWS calls fail and say why.
		if c, err := r.aws.credentials(ctx); err == nil {
			out = append(out, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
		}
	}
	var secrets []string
	for _, s := range out {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	return secrets
}
