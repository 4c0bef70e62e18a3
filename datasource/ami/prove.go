package ami

import (
	"context"
	"errors"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

// imageVerifier is what the data source needs of verify.Checker.
type imageVerifier interface {
	Image(ctx context.Context, region, imageID string) (*verify.Result, error)
}

// prover verifies candidates as `packer-plugin-golden verify` does.
func prover(v imageVerifier) family.Prover {
	return func(ctx context.Context, img family.Image) (family.Proof, error) {
		res, err := v.Image(ctx, img.Region, img.ID)
		switch {
		case errors.Is(err, verify.ErrRejected):
			return family.Proof{Rejected: strings.TrimPrefix(err.Error(), verify.ErrRejected.Error()+": ")}, nil
		case err != nil:
			return family.Proof{}, err
		}
		s := res.Summary
		p := &family.Provenance{
			BuilderID: s.BuilderID, InvocationID: s.InvocationID, StartedOn: s.StartedOn, FinishedOn: s.FinishedOn, HardeningVerdict: s.HardeningVerdict,
			SourceImageID: s.SourceImageID, SourceName: s.SourceName, SourceOwnerID: s.SourceOwnerID,
			KMSKeyARN: s.KMSKeyID, Location: res.Location,
		}
		// The record's source is the image golden-seal sealed; its base, when
		// the builder named it, is the image the build started from.
		if s.BaseImageID != "" {
			p.SourceImageID, p.SourceName, p.SourceOwnerID = s.BaseImageID, s.BaseName, s.BaseOwnerID
		}
		return family.Proof{Provenance: p}, nil
	}
}
