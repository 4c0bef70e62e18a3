package seal

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/iampolicy"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/kmsref"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// PolicyScope is what the IAM policy of a configuration depends on besides
// the configuration: the account and the input artifact's regions.
type PolicyScope struct {
	// Account is the account id the images belong to; "" writes "*".
	Account string
	// ArtifactRegions are the regions of the input artifact's images.
	// Default: region (the build region).
	ArtifactRegions []string
}

// ebsViaKMS are the KMS actions EBS takes on the caller's behalf to encrypt
// a copy with a key (kms:ViaService ec2.REGION.amazonaws.com).
// https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
var ebsViaKMS = []string{"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"}

// Policy is the least IAM policy golden-seal needs to run with this
// configuration, every AWS call it makes scoped to the regions, keys,
// bucket and parameters the configuration names. GetCallerIdentity needs no
// permission, so it is not in it.
func (c *Config) Policy(scope PolicyScope) (iampolicy.Document, error) {
	artifact := slices.Sorted(slices.Values(scope.ArtifactRegions))
	if len(artifact) == 0 && c.Region != "" {
		artifact = []string{c.Region}
	}
	if len(artifact) == 0 {
		return iampolicy.Document{}, fmt.Errorf("the build region is not known: set region, or give the input artifact's regions")
	}
	targets := slices.Compact(slices.Sorted(slices.Values(slices.Concat(artifact, c.Regions))))
	if bad := slices.DeleteFunc(slices.Clone(targets), validRegion); len(bad) > 0 {
		return iampolicy.Document{}, fmt.Errorf("regions %q are not known region names: give them (variables the template leaves unset count as unknown)", bad)
	}
	p := policyBuilder{cfg: c, account: cmp.Or(scope.Account, "*"), artifact: artifact, targets: targets, home: cmp.Or(c.Region, artifact[0])}
	return p.build()
}

func validRegion(r string) bool { return !unknown(r) && awsconfig.ValidRegion(r) }

type policyBuilder struct {
	cfg      *Config
	account  string
	artifact []string // the input artifact's regions
	targets  []string // where images are sealed
	home     string   // the region of ids and aliases of the provenance key and bucket
	st       []iampolicy.Statement
}

func (p *policyBuilder) build() (iampolicy.Document, error) {
	c := p.cfg
	p.add(iampolicy.Allow("DescribeImages", []string{"ec2:DescribeImages", "ec2:DescribeSnapshots"}, []string{"*"}).
		When("StringEquals", "aws:RequestedRegion", p.targets...))
	p.add(iampolicy.Allow("CopyImages", []string{"ec2:CopyImage"}, p.each(p.images)))
	p.add(iampolicy.Allow("TagCopiesOnCreate", []string{"ec2:CreateTags"}, slices.Concat(p.each(p.images), p.each(p.snapshots))).
		When("StringEquals", "ec2:CreateAction", "CopyImage"))
	direct := []string{"kms:DescribeKey"}
	if c.sharing() {
		direct = append(direct, "kms:GetKeyPolicy")
	}
	if err := p.keys("CheckKeys", direct, "", p.ebsKeys()); err != nil {
		return iampolicy.Document{}, err
	}
	if err := p.keys("EncryptCopies", ebsViaKMS, "ec2", p.ebsKeys()); err != nil {
		return iampolicy.Document{}, err
	}
	own := []string{"ec2:CreateTags", "ec2:DeregisterImage", "ec2:DeleteSnapshot"}
	if len(c.AMIUsers)+len(c.AMIOrgARNs)+len(c.AMIOUARNs) > 0 {
		own = append(own, "ec2:ModifyImageAttribute")
	}
	if len(c.SnapshotUsers) > 0 {
		own = append(own, "ec2:ModifySnapshotAttribute")
	}
	if c.DeprecateAt != "" || c.DeprecateAfter > 0 {
		own = append(own, "ec2:EnableImageDeprecation")
	}
	// golden-seal's copies carry its run tag from CopyImage on: only they are marked, shared, deprecated or removed here
	p.add(iampolicy.Allow("ManageSealedCopies", own, slices.Concat(p.each(p.images), p.each(p.snapshots))).
		When("Null", "aws:ResourceTag/"+imagecopy.TagRun, "false"))
	if !c.KeepSourceImage {
		p.add(iampolicy.Allow("RemoveInputs", []string{"ec2:DeregisterImage", "ec2:DeleteSnapshot"},
			slices.Concat(p.in(p.artifact, p.images), p.in(p.artifact, p.snapshots))))
	}
	if err := p.provenance(); err != nil {
		return iampolicy.Document{}, err
	}
	p.retention()
	d := iampolicy.New(p.st...)
	return d, d.Validate()
}

func (p *policyBuilder) add(s iampolicy.Statement) { p.st = append(p.st, s) }

func (p *policyBuilder) partition(region string) string { return provenance.Partition(region) }

func (p *policyBuilder) images(region string) string {
	return fmt.Sprintf("arn:%s:ec2:%s::image/*", p.partition(region), region)
}

func (p *policyBuilder) snapshots(region string) string {
	return fmt.Sprintf("arn:%s:ec2:%s:%s:snapshot/*", p.partition(region), region, p.account)
}

func (p *policyBuilder) each(arn func(region string) string) []string { return p.in(p.targets, arn) }

func (p *policyBuilder) in(regions []string, arn func(region string) string) []string {
	var out []string
	for _, r := range regions {
		out = append(out, arn(r))
	}
	return out
}

// regionKey is a key reference and the region it is used in.
type regionKey struct{ region, ref string }

func (p *policyBuilder) ebsKeys() []regionKey {
	var out []regionKey
	for _, r := range p.targets {
		out = append(out, regionKey{r, p.cfg.keyFor(r)})
	}
	return out
}

// keys adds statements allowing actions on keys: one on the keys named by
// id or ARN, and one per alias (as kms:ResourceAliases: IAM policies name
// keys by ARN only). via, when set, is the service that must make the calls.
func (p *policyBuilder) keys(sid string, actions []string, via string, keys []regionKey) error {
	var arns []string
	aliases := map[string][]string{} // alias → regions
	for _, k := range keys {
		if unknown(k.ref) {
			return fmt.Errorf("%s: the key of %s is not known: give the variable it comes from", sid, k.region)
		}
		ref, err := kmsref.Parse(k.ref)
		if err != nil {
			return fmt.Errorf("%s: %w", sid, err)
		}
		region := cmp.Or(ref.Region, k.region)
		switch {
		case ref.IsAlias():
			aliases[ref.Name] = append(aliases[ref.Name], region)
		case ref.Region != "":
			arns = append(arns, ref.ID)
		default:
			arns = append(arns, fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", p.partition(region), region, p.account, ref.ID))
		}
	}
	viaRegions := func(regions []string) []string {
		var out []string
		for _, r := range regions {
			out = append(out, fmt.Sprintf("%s.%s.amazonaws.com", via, r))
		}
		return out
	}
	if len(arns) > 0 {
		s := iampolicy.Allow(sid, actions, arns)
		if via != "" {
			s = s.When("StringEquals", "kms:ViaService", viaRegions(keyRegions(arns))...)
		}
		p.add(s)
	}
	for i, alias := range slices.Sorted(maps.Keys(aliases)) {
		regions := slices.Compact(slices.Sorted(slices.Values(aliases[alias])))
		s := iampolicy.Allow(fmt.Sprintf("%sAlias%d", sid, i+1), actions, p.in(regions, func(r string) string {
			return fmt.Sprintf("arn:%s:kms:%s:%s:key/*", p.partition(r), r, p.account)
		})).When("ForAnyValue:StringEquals", "kms:ResourceAliases", alias)
		if via != "" {
			s = s.When("StringEquals", "kms:ViaService", viaRegions(regions)...)
		}
		p.add(s)
	}
	return nil
}

// keyRegions are the regions of key ARNs.
func keyRegions(arns []string) []string {
	var out []string
	for _, a := range arns {
		if parts := strings.Split(a, ":"); len(parts) > 3 {
			out = append(out, parts[3])
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(out)))
}

// provenance adds what signing and storing the records needs.
func (p *policyBuilder) provenance() error {
	pc := p.cfg.Provenance
	if pc == nil {
		return nil
	}
	if pc.KMSKeyID != "" {
		if err := p.keys("SignRecords", []string{"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"}, "", []regionKey{{p.home, pc.KMSKeyID}}); err != nil {
			return err
		}
	}
	if pc.S3Bucket != "" {
		region := cmp.Or(pc.S3Region, p.home)
		part := p.partition(region)
		objects := fmt.Sprintf("arn:%s:s3:::%s/*", part, pc.S3Bucket)
		if prefix := strings.Trim(pc.S3Prefix, "/"); prefix != "" {
			objects = fmt.Sprintf("arn:%s:s3:::%s/%s/*", part, pc.S3Bucket, prefix)
		}
		p.add(iampolicy.Allow("StoreRecordsInS3", []string{"s3:ListBucket", "s3:PutObject", "s3:GetObject", "s3:DeleteObject"},
			[]string{fmt.Sprintf("arn:%s:s3:::%s", part, pc.S3Bucket), objects}))
		if pc.S3KMSKeyID != "" {
			if err := p.keys("EncryptRecordsInS3", []string{"kms:GenerateDataKey", "kms:Decrypt"}, "s3", []regionKey{{region, pc.S3KMSKeyID}}); err != nil {
				return err
			}
		}
	}
	if pc.SSMPrefix != "" {
		prefix := strings.Trim(pc.SSMPrefix, "/")
		p.add(iampolicy.Allow("StoreRecordsInSSM", []string{"ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter"},
			p.each(func(r string) string {
				return fmt.Sprintf("arn:%s:ssm:%s:%s:parameter/%s/*", p.partition(r), r, p.account, prefix)
			})))
	}
	return nil
}

// retention adds what retiring older images of the family needs: finding
// what uses them, and, unless dry_run, deprecating and removing them.
func (p *policyBuilder) retention() {
	ret := p.cfg.Retention
	if ret == nil {
		return
	}
	// launch templates may name their image through an SSM parameter (resolve:ssm:NAME)
	p.add(iampolicy.Allow("FindImageUses", []string{"ec2:DescribeInstances", "ec2:DescribeLaunchTemplateVersions", "ssm:GetParameter"}, []string{"*"}).
		When("StringEquals", "aws:RequestedRegion", p.targets...))
	if ret.DryRun {
		return
	}
	p.add(iampolicy.Allow("RetireFamilyImages", []string{"ec2:EnableImageDeprecation", "ec2:DeregisterImage", "ec2:DeleteSnapshot"},
		slices.Concat(p.each(p.images), p.each(p.snapshots))).
		When("StringEquals", "aws:ResourceTag/"+family.Tag, p.cfg.Family))
}
