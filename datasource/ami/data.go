// Package ami is the golden-ami data source: the newest AMI of a family (or
// matching filters) that meets every trust requirement — available, sealed,
// not deprecated, young enough, tagged, encrypted with the right keys, with
// a provenance record signed by a trusted key and an acceptable hardening
// verdict — and, for every newer AMI, why it was rejected.
package ami

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/zclconf/go-cty/cty"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/imagelist"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
)

var _ packersdk.Datasource = (*Datasource)(nil)

// executeTimeout bounds one Execute: Packer gives data sources no context.
const executeTimeout = 10 * time.Minute

// Datasource is golden-ami.
type Datasource struct {
	config Config
}

// ConfigSpec is the HCL2 schema of golden-ami.
func (d *Datasource) ConfigSpec() hcldec.ObjectSpec { return d.config.FlatMapstructure().HCL2Spec() }

// Configure decodes and checks the configuration.
func (d *Datasource) Configure(raws ...interface{}) error { return d.config.Prepare(raws...) }

// OutputSpec is the HCL2 schema of golden-ami's value.
func (d *Datasource) OutputSpec() hcldec.ObjectSpec {
	return (&DatasourceOutput{}).FlatMapstructure().HCL2Spec()
}

// Execute picks the image.
func (d *Datasource) Execute() (cty.Value, error) {
	ctx, cancel := context.WithTimeout(context.Background(), executeTimeout)
	defer cancel()
	sess, err := d.config.AccessConfig.Session(ctx)
	if err != nil {
		return cty.NullVal(cty.EmptyObject), err
	}
	out, err := d.config.pick(ctx, sessionClients(sess), time.Now())
	if err != nil {
		return cty.NullVal(cty.EmptyObject), err
	}
	return hcl2helper.HCL2ValueFromConfig(out, d.OutputSpec()), nil
}

// ec2API is what the data source needs of EC2 in its region.
type ec2API interface {
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
}

// clients are the AWS clients of one Execute.
type clients struct {
	region string
	ec2    func(region string) ec2API
	kms    func(region string) kmsAPI
	// verifier checks images against the trusted keys.
	verifier func(ctx context.Context, keys []dsse.Verifier, dirs []string) (imageVerifier, error)
	// kmsVerifier is the trusted KMS key named by ref.
	kmsVerifier func(ctx context.Context, region, ref string) (dsse.Verifier, error)
}

func sessionClients(s *awsconfig.Session) clients {
	return clients{
		region: s.Region(),
		ec2:    func(r string) ec2API { return s.EC2(r) },
		kms:    func(r string) kmsAPI { return s.KMS(r) },
		verifier: func(_ context.Context, keys []dsse.Verifier, dirs []string) (imageVerifier, error) {
			reader, err := attestore.NewReader(s.S3, s.SSM, dirs...)
			if err != nil {
				return nil, fmt.Errorf("require_provenance.directories: %w", err)
			}
			return verify.New(s.EC2, reader, keys...), nil
		},
		kmsVerifier: func(ctx context.Context, region, ref string) (dsse.Verifier, error) {
			return kmssign.NewKMSVerifier(ctx, s.KMS(region), ref)
		},
	}
}

// pick lists the candidates, completes the requirements with what AWS
// knows, and picks.
func (c *Config) pick(ctx context.Context, aws clients, now time.Time) (DatasourceOutput, error) {
	region := aws.region
	if region == "" {
		return DatasourceOutput{}, fmt.Errorf("no region: set region, or AWS_REGION")
	}
	req := c.req
	req.Now = now
	var err error
	if req.EncryptedWith, err = resolveKeys(ctx, aws.kms, region, c.RequireEncryptedWith); err != nil {
		return DatasourceOutput{}, err
	}
	var prove family.Prover
	if c.RequireProvenance != nil {
		v, err := c.verifier(ctx, aws, region)
		if err != nil {
			return DatasourceOutput{}, err
		}
		prove = prover(v)
	}
	api := aws.ec2(region)
	images, err := imagelist.List(ctx, api, region, c.Owners, c.filters)
	if err != nil {
		return DatasourceOutput{}, err
	}
	if err := imagelist.AddKeys(ctx, api, region, images); err != nil {
		return DatasourceOutput{}, err
	}
	choice, err := family.Pick(ctx, images, req, prove)
	if err != nil {
		return DatasourceOutput{}, fmt.Errorf("golden-ami in %s, %s: %w", region, c.describe(), err)
	}
	return output(choice), nil
}

// verifier trusts the PEM keys loaded by Prepare and the KMS key's public key.
func (c *Config) verifier(ctx context.Context, aws clients, region string) (imageVerifier, error) {
	p := c.RequireProvenance
	keys := append([]dsse.Verifier(nil), c.pemKeys...)
	if p.KMSKeyID != "" {
		ref, err := kmssign.ParseReference(p.KMSKeyID)
		if err != nil {
			return nil, fmt.Errorf("require_provenance.kms_key_id: %w", err)
		}
		in := region
		if ref.Region != "" {
			in = ref.Region
		}
		v, err := aws.kmsVerifier(ctx, in, p.KMSKeyID)
		if err != nil {
			return nil, fmt.Errorf("require_provenance.kms_key_id: %w", err)
		}
		keys = append(keys, v)
	}
	return aws.verifier(ctx, keys, p.Directories)
}

// describe says which images were considered, for messages.
func (c *Config) describe() string {
	what := fmt.Sprintf("owners %v", c.Owners)
	if c.Family != "" {
		what = fmt.Sprintf("family %q, %s", c.Family, what)
	}
	var filters []string
	for _, f := range c.filters {
		if f.Name != "tag:"+family.Tag {
			filters = append(filters, f.Name+"="+strings.Join(f.Values, ","))
		}
	}
	if len(filters) > 0 {
		what += ", filters " + strings.Join(filters, " ")
	}
	return what
}
