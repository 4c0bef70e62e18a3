package attestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// SSM parameter value limits per tier, in bytes.
const (
	ssmStandardMax = 4096
	ssmAdvancedMax = 8192
)

type ssmPutAPI interface {
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, optFns ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	DeleteParameter(ctx context.Context, in *ssm.DeleteParameterInput, optFns ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
	Options() ssm.Options
}

type ssmGetAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// SSMStore puts envelopes into String parameters PREFIX/REGION/AMI, in the
// Standard tier up to 4 KB and the Advanced tier (which AWS charges for) up
// to 8 KB; larger envelopes need another store.
type SSMStore struct {
	client ssmPutAPI
	prefix string
}

// NewSSMStore stores through client, in its region, under prefix (/a/b).
func NewSSMStore(client ssmPutAPI, prefix string) (*SSMStore, error) {
	s := &SSMStore{client: client, prefix: prefix}
	if err := s.Locate("eu-west-1", "ami-00000000000000000").Validate(); err != nil {
		return nil, fmt.Errorf("ssm_prefix %q: %w", prefix, err)
	}
	return s, nil
}

// Locate names the parameter of imageID.
func (s *SSMStore) Locate(region, imageID string) Location {
	return SSMLocation(s.client.Options().Region, s.prefix, region, imageID)
}

// SSMLocation is where an SSMStore in paramRegion puts the envelope of
// imageID in region under prefix.
func SSMLocation(paramRegion, prefix, region, imageID string) Location {
	return Location{Kind: SSM, Region: paramRegion, Name: objectName(prefix, region, imageID, "")}
}

// Put writes the parameter, choosing the tier by size.
func (s *SSMStore) Put(ctx context.Context, region, imageID string, envelope []byte) (Location, error) {
	loc := s.Locate(region, imageID)
	tier := types.ParameterTierStandard
	switch {
	case len(envelope) > ssmAdvancedMax:
		return Location{}, fmt.Errorf("the provenance of %s is %d bytes, more than the %d bytes an SSM parameter holds: "+
			"store it in S3 (s3_bucket) or a directory instead: %w", imageID, len(envelope), ssmAdvancedMax, ErrTooLarge)
	case len(envelope) > ssmStandardMax:
		tier = types.ParameterTierAdvanced
	}
	_, err := s.client.PutParameter(ctx, &ssm.PutParameterInput{
		Name:      aws.String(loc.Name),
		Value:     aws.String(string(envelope)),
		Type:      types.ParameterTypeString,
		Tier:      tier,
		Overwrite: aws.Bool(true), // a retried seal rewrites its own record
		DataType:  aws.String("text"),
	})
	if err != nil {
		return Location{}, fmt.Errorf("storing the provenance of %s at %s: %w", imageID, loc, err)
	}
	return loc, nil
}

// Delete removes the parameter.
func (s *SSMStore) Delete(ctx context.Context, loc Location) error {
	_, err := s.client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(loc.Name)})
	var nf *types.ParameterNotFound
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("deleting %s: %w", loc, err)
	}
	return nil
}

func getSSM(ctx context.Context, client ssmGetAPI, loc Location) ([]byte, error) {
	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(loc.Name)})
	var nf *types.ParameterNotFound
	switch {
	case errors.As(err, &nf):
		return nil, fmt.Errorf("%s: %w", loc, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", loc, err)
	case out.Parameter == nil:
		return nil, fmt.Errorf("reading %s: GetParameter returned no parameter", loc)
	}
	return []byte(aws.ToString(out.Parameter.Value)), nil
}
