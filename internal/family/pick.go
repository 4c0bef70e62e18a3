package family

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Requirement names what an image must meet, as the data source's settings do.
type Requirement string

// Requirements, in the order Pick checks them: cheap facts first, the
// provenance (which fetches and verifies a signed record) last.
const (
	ReqAvailable  Requirement = "available"
	ReqFamily     Requirement = "family"
	ReqDeprecated Requirement = "include_deprecated"
	ReqMaxAge     Requirement = "max_age"
	ReqTags       Requirement = "require_tags"
	ReqEncrypted  Requirement = "encrypted"
	ReqKey        Requirement = "require_encrypted_with"
	ReqProvenance Requirement = "require_provenance"
	ReqVerdict    Requirement = "require_hardening_verdict"
)

// Requirements are what the picked image must meet.
type Requirements struct {
	Now time.Time
	// Family, when set, must be the image's Tag, and FamilyTags its other
	// tags (golden-seal's mark that the image is sealed).
	Family     string
	FamilyTags map[string]string
	// IncludeDeprecated accepts images whose deprecation time has passed.
	IncludeDeprecated bool
	// MaxAge, when set, rejects images created longer ago, or whose
	// creation time is unknown.
	MaxAge time.Duration
	// Tags the image must carry, with these values.
	Tags map[string]string
	// EncryptedWith, when set, lists the key ARNs that may encrypt the
	// image's snapshots. Every snapshot must be encrypted in any case.
	EncryptedWith []string
	// Provenance requires a verified provenance record (see Prover).
	Provenance bool
	// Verdicts, when not zero, are the hardening verdicts the record may carry.
	Verdicts Verdicts
}

// Provenance is what a verified provenance record says of an image.
type Provenance struct {
	BuilderID        string
	InvocationID     string
	StartedOn        time.Time
	FinishedOn       time.Time
	HardeningVerdict string
	SourceImageID    string
	SourceName       string
	SourceOwnerID    string
	KMSKeyARN        string // the key the record says encrypts the image
	Location         string // where the envelope was read
}

// Proof is a Prover's answer: the verified record, or why it does not hold.
type Proof struct {
	Provenance *Provenance
	Rejected   string
}

// Prover verifies an image's provenance. Its error is a failure to find out
// (AWS unreachable, access denied), not a rejection: that is Proof.Rejected.
type Prover func(ctx context.Context, img Image) (Proof, error)

// Rejection is why an image was not picked: the first requirement it failed.
type Rejection struct {
	Image       Image
	Requirement Requirement
	Reason      string
}

func (r Rejection) String() string {
	return fmt.Sprintf("%s: %s: %s", r.Image, r.Requirement, r.Reason)
}

// Choice is the picked image and the newer images that were not.
type Choice struct {
	Image      Image
	Provenance *Provenance // nil unless Requirements.Provenance
	Rejected   []Rejection // every newer image, newest first
}

// ErrNoImage is wrapped by Pick's error when no image meets the requirements.
var ErrNoImage = errors.New("no image meets the requirements")

// NoImageError lists every candidate and the first requirement it failed.
type NoImageError struct {
	Rejected []Rejection // newest first; empty when there was no candidate
}

func (e *NoImageError) Error() string {
	if len(e.Rejected) == 0 {
		return ErrNoImage.Error() + ": there is no candidate: check family, filters, owners and region"
	}
	lines := make([]string, 0, len(e.Rejected)+1)
	lines = append(lines, fmt.Sprintf("%s: %d candidates, each rejected:", ErrNoImage, len(e.Rejected)))
	for _, r := range e.Rejected {
		lines = append(lines, "  "+r.String())
	}
	return strings.Join(lines, "\n")
}

func (e *NoImageError) Unwrap() error { return ErrNoImage }

// Pick returns the newest image that meets every requirement, with the
// newer ones it rejected and why. Images are checked newest first; the
// provenance of an image is verified only once every cheaper requirement
// holds, and no image older than the pick is checked. When none meets them
// the error is a *NoImageError. prove may be nil unless req.Provenance.
func Pick(ctx context.Context, images []Image, req Requirements, prove Prover) (Choice, error) {
	if req.Provenance && prove == nil {
		return Choice{}, errors.New("family.Pick: Requirements.Provenance needs a Prover")
	}
	sorted := slices.SortedFunc(slices.Values(images), newestFirst)
	var rejected []Rejection
	for _, img := range sorted {
		if r, ok := req.screen(img); !ok {
			rejected = append(rejected, r)
			continue
		}
		var prov *Provenance
		if req.Provenance {
			proof, err := prove(ctx, img)
			if err != nil {
				return Choice{}, fmt.Errorf("verifying the provenance of %s: %w", img, err)
			}
			if proof.Provenance == nil {
				rejected = append(rejected, Rejection{img, ReqProvenance, cmp.Or(proof.Rejected, "no verified provenance")})
				continue
			}
			prov = proof.Provenance
			if r, ok := req.checkProven(img, prov); !ok {
				rejected = append(rejected, r)
				continue
			}
		}
		return Choice{Image: img, Provenance: prov, Rejected: rejected}, nil
	}
	return Choice{}, &NoImageError{Rejected: rejected}
}

// screen checks every requirement that needs no provenance.
func (req Requirements) screen(img Image) (Rejection, bool) {
	reject := func(r Requirement, format string, args ...any) (Rejection, bool) {
		return Rejection{img, r, fmt.Sprintf(format, args...)}, false
	}
	if img.State != "available" {
		return reject(ReqAvailable, "the image is %s, not available", cmp.Or(img.State, "in an unknown state"))
	}
	if req.Family != "" {
		if got, ok := img.Tags[Tag]; !ok || got != req.Family {
			return reject(ReqFamily, "tag %s is %s, want %q", Tag, tagValue(img.Tags, Tag), req.Family)
		}
		for _, k := range slices.Sorted(maps.Keys(req.FamilyTags)) {
			if got, ok := img.Tags[k]; !ok || got != req.FamilyTags[k] {
				return reject(ReqFamily, "tag %s is %s, want %q: the image is not (yet) complete", k, tagValue(img.Tags, k), req.FamilyTags[k])
			}
		}
	}
	if !req.IncludeDeprecated && img.Deprecated(req.Now) {
		return reject(ReqDeprecated, "deprecated since %s", img.DeprecatedAt.UTC().Format(time.RFC3339))
	}
	if req.MaxAge > 0 {
		if img.Created.IsZero() {
			return reject(ReqMaxAge, "its creation date is unknown, so its age cannot be checked")
		}
		if age := req.Now.Sub(img.Created); age > req.MaxAge {
			return reject(ReqMaxAge, "%s old, more than %s", FormatAge(age), FormatAge(req.MaxAge))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(req.Tags)) {
		if got, ok := img.Tags[k]; !ok || got != req.Tags[k] {
			return reject(ReqTags, "tag %s is %s, want %q", k, tagValue(img.Tags, k), req.Tags[k])
		}
	}
	if len(img.Devices) == 0 {
		return reject(ReqEncrypted, "the image has no EBS snapshot")
	}
	for _, d := range img.Devices {
		if !d.Encrypted {
			return reject(ReqEncrypted, "snapshot %s (%s) is not encrypted", d.SnapshotID, d.Name)
		}
	}
	if len(req.EncryptedWith) > 0 {
		for _, d := range img.Devices {
			if d.KMSKeyARN != "" && !slices.Contains(req.EncryptedWith, d.KMSKeyARN) {
				return reject(ReqKey, "snapshot %s is encrypted with %s, not with %s", d.SnapshotID, d.KMSKeyARN, strings.Join(req.EncryptedWith, " or "))
			}
			if d.KMSKeyARN == "" && !req.Provenance {
				return reject(ReqKey, "the key of snapshot %s is not visible to this account: add require_provenance, whose record names the key", d.SnapshotID)
			}
		}
	}
	return Rejection{}, true
}

// checkProven checks what needs the verified record: the key of snapshots
// this account cannot see, and the hardening verdict.
func (req Requirements) checkProven(img Image, prov *Provenance) (Rejection, bool) {
	if len(req.EncryptedWith) > 0 {
		for _, d := range img.Devices {
			if d.KMSKeyARN == "" && !slices.Contains(req.EncryptedWith, prov.KMSKeyARN) {
				return Rejection{img, ReqKey, fmt.Sprintf("its provenance says it is encrypted with %s, not with %s",
					cmp.Or(prov.KMSKeyARN, "no key"), strings.Join(req.EncryptedWith, " or "))}, false
			}
		}
	}
	if !req.Verdicts.IsZero() && !req.Verdicts.Accepts(prov.HardeningVerdict) {
		return Rejection{img, ReqVerdict, fmt.Sprintf("hardening verdict %q, want %s", prov.HardeningVerdict, req.Verdicts)}, false
	}
	return Rejection{}, true
}

func tagValue(tags map[string]string, key string) string {
	if v, ok := tags[key]; ok {
		return fmt.Sprintf("%q", v)
	}
	return "missing"
}
