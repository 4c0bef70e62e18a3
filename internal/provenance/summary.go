package provenance

import "time"

// Summary is what a consumer wants to see of a verified record.
type Summary struct {
	Image            string    `json:"image"`              // the subject: the AMI ARN
	ImageDigest      string    `json:"imageDigest"`        // its sha256 ImageDigest
	KMSKeyID         string    `json:"kmsKeyId,omitempty"` // the key the AMI is encrypted with
	SourceImageID    string    `json:"sourceImageId,omitempty"`
	SourceName       string    `json:"sourceName,omitempty"`
	SourceOwnerID    string    `json:"sourceOwnerId,omitempty"`
	BaseImageID      string    `json:"baseImageId,omitempty"` // the image the build started from
	BaseName         string    `json:"baseName,omitempty"`
	BaseOwnerID      string    `json:"baseOwnerId,omitempty"`
	BuilderID        string    `json:"builderId"`
	InvocationID     string    `json:"invocationId,omitempty"`
	StartedOn        time.Time `json:"startedOn,omitzero"`
	FinishedOn       time.Time `json:"finishedOn,omitzero"`
	HardeningVerdict string    `json:"hardeningVerdict"`
	Regions          []string  `json:"regions,omitempty"`
}

// Summary picks the consumer-facing facts out of a validated statement.
func (s *Statement) Summary() Summary {
	var out Summary
	if len(s.Subject) > 0 {
		out.Image = s.Subject[0].Name
		out.ImageDigest = s.Subject[0].Digest["sha256"]
		out.KMSKeyID = s.Subject[0].Annotations["kmsKeyId"]
	}
	bd, rd := s.Predicate.BuildDefinition, s.Predicate.RunDetails
	for _, d := range bd.ResolvedDependencies {
		switch d.Annotations["role"] {
		case RoleSourceAMI:
			out.SourceImageID, out.SourceName, out.SourceOwnerID = d.Annotations["imageId"], d.Annotations["name"], d.Annotations["ownerId"]
		case RoleBaseAMI:
			out.BaseImageID, out.BaseName, out.BaseOwnerID = d.Annotations["imageId"], d.Annotations["name"], d.Annotations["ownerId"]
		}
	}
	out.BuilderID = rd.Builder.ID
	if m := rd.Metadata; m != nil {
		out.InvocationID, out.StartedOn, out.FinishedOn = m.InvocationID, m.StartedOn, m.FinishedOn
	}
	out.HardeningVerdict = NotHardened
	for _, b := range rd.Byproducts {
		if b.Annotations["role"] == RoleHardeningReport {
			out.HardeningVerdict = b.Annotations["verdict"]
		}
	}
	out.Regions = bd.ExternalParameters.Regions
	return out
}
