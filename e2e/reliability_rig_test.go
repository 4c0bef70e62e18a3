package e2e

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

// copyRegion is where golden-seal copies the image besides the build region.
const copyRegion = "eu-west-1"

// relRegions are the regions of the reliability matrix, in order.
var relRegions = []string{copyRegion, buildRegion}

const (
	relBucket    = "golden-rel-provenance"
	relSSMPrefix = "/golden/provenance"
	relSignAlias = "alias/golden-provenance"
	relEBSAlias  = "alias/golden"
	// relBuild is the source's name: Packer's build name, part of golden-seal's pipeline tag.
	relBuild   = "rel"
	relAMIName = "golden-rel-{{ .SourceAMI }}"
)

// relEnv is one scenario's account: keys, bucket, records folder, and the
// resources that were there before the run and must stay untouched.
type relEnv struct {
	rig       *awstest.Rig
	packer    *packertest.Packer
	dir       string            // the template's folder
	records   string            // provenance.directory
	ebsKeys   map[string]string // each region's EBS key ARN
	keyRefs   map[string]string // as the template names them
	signKey   string            // as the template names the SIGN_VERIFY key
	provIn    string            // the region of the signing key and the bucket
	bystander []acctItem        // pre-existing: must be untouched
}

// newRelEnv resets the rig and makes the account a scenario starts from:
// an EBS key in each region (by alias in the build region, by ARN in the
// copy region), a signing key and a bucket in provIn, and in each region
// an unrelated image, a copy another pipeline's live run is making, and an
// image this pipeline sealed before.
func newRelEnv(t *testing.T, provIn string) *relEnv {
	t.Helper()
	e := &relEnv{rig: awstest.Shared(t), packer: packertest.New(t), dir: t.TempDir(), ebsKeys: map[string]string{}, keyRefs: map[string]string{}, provIn: provIn}
	e.packer.Env = asUsersRunIt(e.rig.Env())
	e.records = filepath.Join(e.dir, "records")
	for _, r := range relRegions {
		arn := e.rig.CreateKey(t, r, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, relEBSAlias)
		e.ebsKeys[r], e.keyRefs[r] = arn, arn
		if r == buildRegion {
			e.keyRefs[r] = relEBSAlias
		}
	}
	sign := e.rig.CreateKey(t, provIn, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, relSignAlias)
	e.signKey = sign
	if provIn == buildRegion {
		e.signKey = relSignAlias
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(relBucket)}
	if provIn != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(provIn)}
	}
	if _, err := s3.NewFromConfig(e.rig.Config(provIn), awstest.S3PathStyle).CreateBucket(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	e.addBystanders(t)
	return e
}

// asUsersRunIt drops the rig's AWS_MAX_ATTEMPTS from env: the matrix
// measures golden-seal with its own retries, as users run it (calls moto does
// not implement are still reported by the rig at the end of the test).
func asUsersRunIt(env []string) []string {
	return slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "AWS_MAX_ATTEMPTS=") })
}

// addBystanders makes, in each region, what a careless cleanup would take:
// someone else's image, a copy another pipeline is making right now, and
// an image this pipeline sealed in an earlier run.
func (e *relEnv) addBystanders(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	kinds := []map[string]string{
		{"Name": "someone-else", "Team": "other"},
		{imagecopy.TagRun: "another-run", imagecopy.TagPipeline: "another/pipeline", imagecopy.TagStatus: imagecopy.StatusCopying, imagecopy.TagDeadline: deadline},
		{imagecopy.TagRun: "an-earlier-run", imagecopy.TagPipeline: relBuild + "/" + relAMIName, imagecopy.TagStatus: imagecopy.StatusSealed, imagecopy.TagDeadline: deadline},
	}
	var ids []string
	for _, r := range relRegions {
		c := ec2.NewFromConfig(e.rig.Config(r))
		for i, tags := range kinds {
			var tt []ec2types.Tag
			for _, k := range slices.Sorted(maps.Keys(tags)) {
				tt = append(tt, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
			}
			out, err := c.CopyImage(t.Context(), &ec2.CopyImageInput{SourceImageId: aws.String(awstest.SourceAMIID), SourceRegion: aws.String(buildRegion),
				Name: aws.String(fmt.Sprintf("bystander-%d", i)), Encrypted: aws.Bool(true), KmsKeyId: aws.String(e.ebsKeys[r]),
				TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: tt}, {ResourceType: ec2types.ResourceTypeSnapshot, Tags: tt}}})
			if err != nil {
				t.Fatal(err)
			}
			img, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(out.ImageId)}})
			if err != nil || len(img.Images) != 1 {
				t.Fatalf("describing bystander %s: %v", aws.ToString(out.ImageId), err)
			}
			ids = append(ids, aws.ToString(out.ImageId), aws.ToString(img.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId))
		}
	}
	for _, it := range surveyAccount(t, e.rig, relRegions) {
		if slices.Contains(ids, it.ID) {
			e.bystander = append(e.bystander, it)
		}
	}
	if len(e.bystander) != len(ids) {
		t.Fatalf("found %d of the %d bystanders", len(e.bystander), len(ids))
	}
}

// rendezvous is where golden-harden leaves its report for golden-seal.
func (e *relEnv) rendezvous() string { return filepath.Join(e.dir, "rendezvous") }

// survey is the account as the leftovers counter sees it.
func (e *relEnv) survey(t *testing.T) accountState {
	t.Helper()
	return surveyAccount(t, e.rig, relRegions, e.records)
}

// relTemplate is what a scenario's template holds.
type relTemplate struct {
	Timeout string // golden-seal's timeout
	// Harden is a golden-harden provisioner block; it needs the SSH
	// communicator to the sandbox at SSHPort with SSHKey.
	Harden  string
	SSHPort int
	SSHKey  string
	// Seal is more of golden-seal's settings; Builder more of amazon-ebs's.
	Seal, Builder string
}

// sealTemplate is amazon-ebs then golden-seal with provenance.
func (e *relEnv) sealTemplate(tp relTemplate) string {
	communicator := `communicator = "none"`
	if tp.Harden != "" {
		communicator = fmt.Sprintf(`communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = %d
  ssh_private_key_file = %q`, tp.SSHPort, tp.SSHKey)
	}
	return fmt.Sprintf(requiredPlugins("amazon", "golden")+`
source "amazon-ebs" %q {
  region                  = %q
  source_ami              = %q
  instance_type           = "t3.micro"
  ami_name                = "golden-rel-source-{{timestamp}}"
  skip_metadata_api_check = true
  %s
%s
}

build {
  sources = ["source.amazon-ebs.%s"]
%s
  post-processor "golden-seal" {
    region                  = %q
    skip_metadata_api_check = true
    regions                 = [%q]
    region_kms_key_ids      = { %q = %q, %q = %q }
    ami_name                = %q
    tags                    = { Name = "golden-{{ .Region }}", Team = "platform" }
    ami_users               = ["111122223333"]
    deprecate_after         = "720h"
    timeout                 = %q

    provenance {
      kms_key_id     = %q
      s3_bucket      = %q
      s3_region      = %q
      s3_prefix      = "golden"
      ssm_prefix     = %q
      directory      = %q
      template_files = ["${path.root}/reliability.pkr.hcl"]
      rendezvous_dir = %q
    }
%s
  }
}
`, relBuild, buildRegion, awstest.SourceAMIID, communicator, tp.Builder, relBuild, tp.Harden, buildRegion, copyRegion,
		buildRegion, e.keyRefs[buildRegion], copyRegion, e.keyRefs[copyRegion], relAMIName, tp.Timeout,
		e.signKey, relBucket, e.provIn, relSSMPrefix, e.records, e.rendezvous(), tp.Seal)
}

// amazonTemplate is amazon-ebs alone, encrypting the AMI into both regions
// as the amazon plugin does it: encrypt_boot, ami_regions, region_kms_key_ids.
func (e *relEnv) amazonTemplate() string {
	return fmt.Sprintf(requiredPlugins("amazon")+`
source "amazon-ebs" "amazon" {
  region                  = %q
  source_ami              = %q
  instance_type           = "t3.micro"
  ami_name                = "golden-rel-amazon-{{timestamp}}"
  skip_metadata_api_check = true
  communicator            = "none"
  encrypt_boot            = true
  kms_key_id              = %q
  ami_regions             = [%q, %q]
  region_kms_key_ids      = { %q = %q, %q = %q }
  ami_users               = ["111122223333"]
  tags                    = { Name = "golden", Team = "platform" }

  # the rig's AWS_MAX_ATTEMPTS (SDK retries) would also bound this waiter
  aws_polling {
    delay_seconds = 1
    max_attempts  = 600
  }
}

build {
  sources = ["source.amazon-ebs.amazon"]
}
`, buildRegion, awstest.SourceAMIID, e.ebsKeys[buildRegion], copyRegion, buildRegion, buildRegion, e.ebsKeys[buildRegion], copyRegion, e.ebsKeys[copyRegion])
}

// relRun is one packer build in progress: its output, line by line, and the proxy's log.
type relRun struct {
	t     *testing.T
	rig   *awstest.Rig
	pid   int
	start time.Time

	mu    sync.Mutex
	lines []string
	done  chan struct{}
	out   strings.Builder
	exit  int
	wall  time.Duration
}

// startPacker starts packer build of template in dir (written as name).
func (e *relEnv) startPacker(t *testing.T, name, template string) *relRun {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := e.packer.Command(t.Context(), e.dir, nil, "build", "-color=false", name)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	run := &relRun{t: t, rig: e.rig, done: make(chan struct{}), start: time.Now()}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	run.pid = cmd.Process.Pid
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			run.mu.Lock()
			run.lines = append(run.lines, sc.Text())
			run.out.WriteString(sc.Text() + "\n")
			run.mu.Unlock()
		}
	}()
	go func() {
		err := cmd.Wait()
		run.wall = time.Since(run.start)
		pw.Close()
		<-scanned
		run.exit = cmd.ProcessState.ExitCode()
		if err != nil && run.exit == 0 {
			run.exit = -1
		}
		close(run.done)
	}()
	return run
}

// wait waits for packer to end, at most d, and returns its output.
func (r *relRun) wait(d time.Duration) string {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(d):
		syscall.Kill(-r.pid, syscall.SIGKILL)
		<-r.done
		r.t.Errorf("packer did not end within %v: killed", d)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func (r *relRun) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// trigger reports, from the output and the proxy's logs, whether a step's
// moment has come, and when it came; since is when the previous step fired.
type trigger func(r *relRun, since time.Time) (time.Time, bool)

// relStep waits for When, then does Do.
type relStep struct {
	What string
	When trigger
	Do   func(r *relRun)
}

// follow runs the steps in order while packer runs; a step whose moment
// never comes fails the test.
func (r *relRun) follow(steps []relStep, within time.Duration) {
	r.t.Helper()
	since := r.start
	deadline := time.Now().Add(within)
	for _, s := range steps {
		for {
			if at, ok := s.When(r, since); ok {
				since = at
				break
			}
			if r.ended() || time.Now().After(deadline) {
				r.t.Errorf("step %q: its moment never came (packer ended: %v)", s.What, r.ended())
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		s.Do(r)
	}
}

// onLine fires at the first output line matching re.
func onLine(re *regexp.Regexp) trigger {
	return func(r *relRun, _ time.Time) (time.Time, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, l := range r.lines {
			if re.MatchString(l) {
				return time.Now(), true
			}
		}
		return time.Time{}, false
	}
}

// sealStarts fires when Packer hands the artifact to golden-seal.
var sealStarts = onLine(regexp.MustCompile(`Running post-processor:.*golden-seal`))

// callMatch says which calls a trigger waits for.
type callMatch struct {
	Service, Action, Region string
	Param, Value            string // a parameter the call must carry, when set
}

func (m callMatch) matches(c awstest.Call) bool {
	return (m.Service == "" || c.Service == m.Service) && c.Action == m.Action && (m.Region == "" || c.Region == m.Region) &&
		(m.Param == "" || c.Params[m.Param] == m.Value)
}

// onStarted fires when a matching call has begun after the previous step.
func onStarted(m callMatch) trigger {
	return func(r *relRun, since time.Time) (time.Time, bool) {
		for _, c := range r.rig.Proxy().Started() {
			if !c.Time.Before(since) && m.matches(c) {
				return time.Now(), true
			}
		}
		return time.Time{}, false
	}
}

// onAnswered fires when a matching call that began after the previous step has been answered.
func onAnswered(m callMatch) trigger {
	return func(r *relRun, since time.Time) (time.Time, bool) {
		for _, c := range r.rig.Proxy().Calls() {
			if !c.Time.Before(since) && m.matches(c) {
				return c.Time.Add(c.Duration), true
			}
		}
		return time.Time{}, false
	}
}

// anyTime makes a trigger ignore when the previous step fired.
func anyTime(tr trigger) trigger {
	return func(r *relRun, _ time.Time) (time.Time, bool) { return tr(r, time.Time{}) }
}

// addRules arms fault rules.
func addRules(rules ...awstest.Rule) func(*relRun) {
	return func(r *relRun) {
		if err := r.rig.Proxy().AddRule(rules...); err != nil {
			r.t.Fatal(err)
		}
	}
}

// signal sends sig to packer's process group: SIGINT is Ctrl-C, SIGKILL a crash.
func signal(sig syscall.Signal) func(*relRun) {
	return func(r *relRun) {
		if err := syscall.Kill(-r.pid, sig); err != nil {
			r.t.Errorf("sending %v to packer: %v", sig, err)
		}
	}
}
