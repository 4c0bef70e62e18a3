package ami

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

type verifierFunc func(ctx context.Context, region, id string) (*verify.Result, error)

func (f verifierFunc) Image(ctx context.Context, region, id string) (*verify.Result, error) {
	return f(ctx, region, id)
}

func TestProver(t *testing.T) {
	summary := provenance.Summary{BuilderID: "urn:golden:host:ci", HardeningVerdict: "pass", SourceImageID: "ami-build", SourceName: "build", SourceOwnerID: "123456789012"}
	withBase := summary
	withBase.BaseImageID, withBase.BaseName, withBase.BaseOwnerID = "ami-0deb1200000000001", "debian-12", "136693071363"
	tests := []struct {
		name   string
		result *verify.Result
		err    error
		want   family.Proof
		fails  bool
	}{
		{name: "the image the build started from: the record's base", result: &verify.Result{Summary: withBase, Location: "s3://b/k"},
			want: family.Proof{Provenance: &family.Provenance{BuilderID: "urn:golden:host:ci", HardeningVerdict: "pass",
				SourceImageID: "ami-0deb1200000000001", SourceName: "debian-12", SourceOwnerID: "136693071363", Location: "s3://b/k"}}},
		{name: "else the sealed image's source", result: &verify.Result{Summary: summary},
			want: family.Proof{Provenance: &family.Provenance{BuilderID: "urn:golden:host:ci", HardeningVerdict: "pass",
				SourceImageID: "ami-build", SourceName: "build", SourceOwnerID: "123456789012"}}},
		{name: "rejected", err: fmt.Errorf("%w: ami-1 in eu-west-1: signature does not verify", verify.ErrRejected),
			want: family.Proof{Rejected: "ami-1 in eu-west-1: signature does not verify"}},
		{name: "could not find out", err: fmt.Errorf("describing ami-1: throttled"), fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prove := prover(verifierFunc(func(context.Context, string, string) (*verify.Result, error) { return tt.result, tt.err }))
			got, err := prove(t.Context(), family.Image{Region: "eu-west-1", ID: "ami-1"})
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want failure %v", err, tt.fails)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("proof (-want +got):\n%s", diff)
			}
		})
	}
}
