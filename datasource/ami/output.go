//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown

package ami

import (
	"slices"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// DatasourceOutput is the picked image. The nested types carry cty tags
// because Packer converts nested values with them.
type DatasourceOutput struct {
	// The id of the picked AMI.
	ID string `mapstructure:"id"`
	// Its name.
	Name string `mapstructure:"name"`
	// When it was created (RFC 3339, as EC2 reports it).
	CreationDate string `mapstructure:"creation_date"`
	// The account that owns it.
	Owner string `mapstructure:"owner"`
	// The region it is in.
	Region string `mapstructure:"region"`
	// Its `golden:family` tag; empty when it has none.
	Family string `mapstructure:"family"`
	// Its tags.
	Tags map[string]string `mapstructure:"tags"`
	// The KMS key ARNs of its snapshots, sorted, as far as this account
	// can see them (else from the verified provenance).
	KMSKeyIDs []string `mapstructure:"kms_key_ids"`
	// The AMI the build started from, as the verified provenance record
	// names it (its base AMI; for records without one, the image golden-seal
	// sealed). Empty without `require_provenance`.
	SourceAMI string `mapstructure:"source_ami"`
	// The name of the source AMI, when the record names it.
	SourceAMIName string `mapstructure:"source_ami_name"`
	// The account that owns the source AMI, likewise.
	SourceAMIOwner string `mapstructure:"source_ami_owner"`
	// What the verified provenance record says; `verified` is false
	// without `require_provenance`.
	Provenance ProvenanceOutput `mapstructure:"provenance"`
	// Every image newer than the picked one, newest first, with the first
	// requirement it failed.
	Rejected []RejectedOutput `mapstructure:"rejected"`
}

// ProvenanceOutput summarises the picked image's verified provenance record.
type ProvenanceOutput struct {
	// Whether a record signed by a trusted key was verified against the image.
	Verified bool `mapstructure:"verified" cty:"verified"`
	// Who built the image: the CI job's URI, or the host.
	Builder string `mapstructure:"builder" cty:"builder"`
	// When the seal finished (RFC 3339).
	BuildTime string `mapstructure:"build_time" cty:"build_time"`
	// Packer's run id (`packer_run_uuid`).
	InvocationID string `mapstructure:"invocation_id" cty:"invocation_id"`
	// The golden-harden verdict: `pass`, `warn`, `fail` or `not-hardened`.
	HardeningVerdict string `mapstructure:"hardening_verdict" cty:"hardening_verdict"`
	// Where the record was read.
	Location string `mapstructure:"location" cty:"location"`
}

// RejectedOutput is an image newer than the picked one and why it was not picked.
type RejectedOutput struct {
	// The AMI id.
	ID string `mapstructure:"id" cty:"id"`
	// Its name.
	Name string `mapstructure:"name" cty:"name"`
	// When it was created.
	CreationDate string `mapstructure:"creation_date" cty:"creation_date"`
	// The first requirement it failed, named as the setting: `available`,
	// `family`, `include_deprecated`, `max_age`, `require_tags`,
	// `encrypted`, `require_encrypted_with`, `require_provenance` or
	// `require_hardening_verdict`.
	Requirement string `mapstructure:"requirement" cty:"requirement"`
	// Why it failed it.
	Reason string `mapstructure:"reason" cty:"reason"`
}

// output turns a choice into the data source's value.
func output(c family.Choice) DatasourceOutput {
	img := c.Image
	out := DatasourceOutput{
		ID: img.ID, Name: img.Name, CreationDate: ec2Time(img.Created), Owner: img.OwnerID, Region: img.Region,
		Family: img.Tags[family.Tag], Tags: img.Tags, KMSKeyIDs: []string{}, Rejected: []RejectedOutput{},
	}
	keys := map[string]bool{}
	for _, d := range img.Devices {
		switch {
		case d.KMSKeyARN != "":
			keys[d.KMSKeyARN] = true
		case c.Provenance != nil && c.Provenance.KMSKeyARN != "":
			keys[c.Provenance.KMSKeyARN] = true
		}
	}
	for k := range keys {
		out.KMSKeyIDs = append(out.KMSKeyIDs, k)
	}
	slices.Sort(out.KMSKeyIDs)
	if p := c.Provenance; p != nil {
		out.SourceAMI, out.SourceAMIName, out.SourceAMIOwner = p.SourceImageID, p.SourceName, p.SourceOwnerID
		out.Provenance = ProvenanceOutput{Verified: true, Builder: p.BuilderID, InvocationID: p.InvocationID,
			HardeningVerdict: p.HardeningVerdict, Location: p.Location}
		if !p.FinishedOn.IsZero() {
			out.Provenance.BuildTime = p.FinishedOn.UTC().Format(time.RFC3339)
		}
	}
	for _, r := range c.Rejected {
		out.Rejected = append(out.Rejected, RejectedOutput{
			ID: r.Image.ID, Name: r.Image.Name, CreationDate: ec2Time(r.Image.Created), Requirement: string(r.Requirement), Reason: r.Reason,
		})
	}
	return out
}

// ec2Time writes t as EC2 writes times; "" for the zero time.
func ec2Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
