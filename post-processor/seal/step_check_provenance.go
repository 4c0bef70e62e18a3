package seal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// checkProvenance, when provenance is configured, checks before anything
// changes that the key can sign (an enabled SIGN_VERIFY ECC_NIST_P256 KMS
// key, or the local key), that the bucket exists, that the pointer fits the
// tags of every target region, and digests the template files.
func (r *run) checkProvenance(ctx context.Context) error {
	p := r.cfg.Provenance
	if p == nil {
		return nil
	}
	s := &signing{}
	var err error
	if s.signer, s.keyName, err = r.openSigner(ctx); err != nil {
		return err
	}
	if s.stores, err = r.openStores(ctx); err != nil {
		return err
	}
	if s.checker, err = r.aws.checker(s.signer, dirsOf(p)...); err != nil {
		return fmt.Errorf("provenance: %w", err)
	}
	if s.templates, err = digestTemplates(p.templates); err != nil {
		return err
	}
	if len(s.templates) == 0 {
		r.ui.Error("Warning: provenance: no *.pkr.hcl or *.pkr.json file in the directory packer runs in: the records name no template: set template_files")
	}
	hostname, _ := os.Hostname()
	s.secrets, s.runner = r.credentialValues(ctx), provenance.DetectRunner(os.Getenv, hostname)
	r.signing = s
	hardened := "not hardened (no golden-harden report)"
	if h := r.hardening.record; h != nil {
		hardened = fmt.Sprintf("golden-harden verdict %s (report %s, sha256 %s)", h.Verdict, r.hardening.path, h.ReportSHA256)
	}
	keyID, _ := s.signer.KeyID()
	r.ui.Say(fmt.Sprintf("Provenance: signing with %s (%s); %s", s.keyName, keyID, hardened))
	return nil
}

// openSigner loads the local key, or checks the KMS key in its region: the
// ARN's, else that of region, else the build region.
func (r *run) openSigner(ctx context.Context) (dsse.SignerVerifier, string, error) {
	p := r.cfg.Provenance
	if p.localSigner != nil {
		return p.localSigner, "the key in " + p.SigningKeyFile, nil
	}
	ref, err := kmssign.ParseReference(p.KMSKeyID)
	if err != nil {
		return nil, "", fmt.Errorf("provenance: kms_key_id: %w", err)
	}
	k, err := kmssign.NewKMS(ctx, r.aws.signKMS(cmp.Or(ref.Region, r.home, r.primary)), p.KMSKeyID)
	if err != nil {
		return nil, "", fmt.Errorf("provenance: kms_key_id: %w", err)
	}
	return k, "kms key " + k.KeyARN(), nil
}

// openStores opens the stores of every target region, in the order the
// pointer lists them (S3, SSM, directory), and checks that the pointer fits.
func (r *run) openStores(ctx context.Context) (map[string][]attestore.Store, error) {
	p := r.cfg.Provenance
	var s3store, dirStore attestore.Store
	if p.S3Bucket != "" {
		region := cmp.Or(p.S3Region, r.home, r.primary)
		if err := checkBucket(ctx, r.aws.s3(region), p.S3Bucket, region); err != nil {
			return nil, err
		}
		st, err := attestore.NewS3Store(r.aws.s3(region), p.S3Bucket, p.S3Prefix, p.S3KMSKeyID)
		if err != nil {
			return nil, fmt.Errorf("provenance: %w", err)
		}
		s3store = st
	}
	if p.Directory != "" {
		if err := os.MkdirAll(p.Directory, 0o755); err != nil {
			return nil, fmt.Errorf("provenance: directory: %w", err)
		}
		st, err := attestore.NewDirStore(p.Directory)
		if err != nil {
			return nil, fmt.Errorf("provenance: %w", err)
		}
		dirStore = st
	}
	stores := map[string][]attestore.Store{}
	var errs []error
	for _, region := range r.targets() {
		var list []attestore.Store
		if s3store != nil {
			list = append(list, s3store)
		}
		if p.SSMPrefix != "" {
			st, err := attestore.NewSSMStore(r.aws.ssm(region), p.SSMPrefix)
			if err != nil {
				return nil, fmt.Errorf("provenance: %w", err)
			}
			list = append(list, st)
		}
		if dirStore != nil {
			list = append(list, dirStore)
		}
		if err := attestore.CheckPointer(list, []string{region}); err != nil {
			errs = append(errs, fmt.Errorf("provenance: %s: %w", region, err))
		}
		stores[region] = list
	}
	return stores, errors.Join(errs...)
}

// checkBucket fails when the bucket does not exist in region or cannot be reached.
func checkBucket(ctx context.Context, api s3API, bucket, region string) error {
	_, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	var nf *s3types.NotFound
	var status interface{ HTTPStatusCode() int }
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("provenance: s3_bucket %s not found in %s: create it, or set s3_region to its region", bucket, region)
	case errors.As(err, &status) && status.HTTPStatusCode() == http.StatusMovedPermanently:
		return fmt.Errorf("provenance: s3_bucket %s is not in %s: set s3_region to its region: %w", bucket, region, err)
	case err != nil:
		return fmt.Errorf("provenance: checking s3_bucket %s in %s: %w: allow s3:ListBucket on it, and s3:PutObject and s3:DeleteObject on its objects", bucket, region, err)
	}
	return nil
}

func dirsOf(p *ProvenanceConfig) []string {
	if p.Directory == "" {
		return nil
	}
	return []string{p.Directory}
}
