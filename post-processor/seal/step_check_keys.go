package seal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// key is the KMS key that encrypts one region's copy.
type key struct {
	ref        string // as the template names it
	arn        string
	awsManaged bool
}

// checkKeys resolves each target region's key in that region and checks
// that EBS can encrypt with it: it exists, is enabled, symmetric and for
// ENCRYPT_DECRYPT, and is customer managed when the images are shared.
func (r *run) checkKeys(ctx context.Context) error {
	targets := r.targets()
	keys := make([]key, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, region := range targets {
		wg.Go(func() { keys[i], errs[i] = r.checkKey(ctx, region) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.keys = map[string]key{}
	for i, region := range targets {
		r.keys[region] = keys[i]
	}
	return nil
}

func (r *run) checkKey(ctx context.Context, region string) (key, error) {
	if err := r.cfg.checkKeyRegion(region); err != nil {
		return key{}, err
	}
	ref, field := r.cfg.keyFor(region), r.cfg.keyField(region)
	out, err := r.aws.kms(region).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
	var notFound *kmstypes.NotFoundException
	switch {
	case errors.As(err, &notFound):
		return key{}, fmt.Errorf("kms key %s not found in %s: create it there or set region_kms_key_ids[%q]", ref, region, region)
	case err != nil:
		return key{}, fmt.Errorf("describing kms key %s in %s (%s): %w: allow kms:DescribeKey on it", ref, region, field, err)
	}
	m := out.KeyMetadata
	k := key{ref: ref, arn: aws.ToString(m.Arn), awsManaged: m.KeyManager == kmstypes.KeyManagerTypeAws}
	switch {
	case !strings.Contains(k.arn, ":"+region+":"):
		return key{}, fmt.Errorf("%s: kms key %s is not in %s: EBS encrypts with a key of the copy's region: set region_kms_key_ids[%q]", field, k.arn, region, region)
	case m.KeyState != kmstypes.KeyStateEnabled:
		return key{}, fmt.Errorf("%s: kms key %s in %s is %s: enable it, or name an enabled key", field, k.arn, region, m.KeyState)
	case m.KeySpec != kmstypes.KeySpecSymmetricDefault || m.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt:
		return key{}, fmt.Errorf("%s: kms key %s in %s is %s for %s: EBS encrypts with SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT only: name such a key",
			field, k.arn, region, m.KeySpec, m.KeyUsage)
	case k.awsManaged && r.cfg.sharing():
		return key{}, fmt.Errorf("%s: kms key %s in %s is AWS managed: images encrypted with it cannot be shared: name a customer managed key", field, k.arn, region)
	}
	return k, nil
}
