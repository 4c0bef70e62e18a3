package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/iampolicy"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// iamFamily is the family the IAM test's images belong to; retention keeps one.
const iamFamily = "golden-rel"

// iamLifecycle are golden-seal's family and retention settings in the IAM test.
var iamLifecycle = fmt.Sprintf(`
    family = %q
    retention {
      keep_latest = 1
    }`, iamFamily)

// fastIAMRemovals are the statements make test removes; make e2e removes each.
var fastIAMRemovals = []string{"EncryptCopies", "RemoveInputs", "StoreRecordsInSSM"}

// TestIAMPolicyIsExactlyEnough runs amazon-ebs (as an administrator) then
// golden-seal with provenance and retention as an IAM user holding exactly
// the policy `packer-plugin-golden iam-policy` prints for the template, with
// moto enforcing IAM: the seal passes. With any one statement removed, it
// fails: what golden-seal promises (sealed, signed and stored in every
// region, the unencrypted input removed, older images of the family
// retired) does not happen.
func TestIAMPolicyIsExactlyEnough(t *testing.T) {
	if testing.Short() {
		t.Skip("needs packer, the amazon plugin and moto: not run with -short")
	}
	full := iamRun(t, "")
	if t.Failed() {
		t.FailNow()
	}
	for _, sid := range full.Sids() {
		if !relFull() && !slices.Contains(fastIAMRemovals, sid) {
			continue
		}
		t.Run("without "+sid, func(t *testing.T) { iamRun(t, sid) })
	}
}

// iamRun seals as a user holding the template's policy without the statement
// remove ("" keeps them all), and checks that the seal passes exactly when
// nothing is removed. It returns the full policy.
func iamRun(t *testing.T, remove string) iampolicy.Document {
	t.Helper()
	e := newRelEnv(t, buildRegion)
	ctx := t.Context()
	if err := e.rig.SetCopyBehaviour(ctx, awstest.CopyBehaviour{Pending: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	older := iamOlderFamilyImages(t, e)
	admin, err := e.rig.CreateUser(ctx, aws.Credentials{}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rig.PutUserPolicy(ctx, aws.Credentials{}, "admin", "all", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`); err != nil {
		t.Fatal(err)
	}
	sealer, err := e.rig.CreateUser(ctx, aws.Credentials{}, "sealer")
	if err != nil {
		t.Fatal(err)
	}
	template := e.sealTemplate(relTemplate{Timeout: "10m", Seal: iamLifecycle,
		Builder: fmt.Sprintf("  access_key = %q\n  secret_key = %q", admin.AccessKeyID, admin.SecretAccessKey)})
	full := iamPolicyOf(t, e, template)
	policy := full.Without(remove)
	b, err := policy.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rig.PutUserPolicy(ctx, aws.Credentials{}, "sealer", "golden-seal", string(b)); err != nil {
		t.Fatal(err)
	}
	before := e.survey(t)
	e.rig.Proxy().ClearCalls()
	stop := e.rig.EnforceIAM(t)
	e.packer.Env = asUsersRunIt(e.rig.EnvAs(sealer))
	run := e.startPacker(t, "reliability.pkr.hcl", template)
	out := run.wait(4 * time.Minute)
	stop()
	calls := e.rig.Proxy().Calls()
	after := e.survey(t)
	t.Logf("packer build as the sealer, with %d statements%s, exited %d after %v:\n%s", len(policy.Statement),
		map[bool]string{true: "", false: " (without " + remove + ")"}[remove == ""], run.exit, run.wall.Round(10*time.Millisecond), out)

	var problems []string
	if run.exit != 0 {
		problems = append(problems, fmt.Sprintf("packer exited %d", run.exit))
	}
	if run.exit == 0 {
		if left := sealedLeftovers(t, out, newResources(before, after)); len(left) > 0 {
			problems = append(problems, "left "+listResources(left))
		}
	}
	for _, id := range older {
		if _, ok := after["image "+id]; ok {
			problems = append(problems, "retention left "+id)
		}
	}
	var denied []string
	for _, c := range calls {
		if strings.Contains(c.ErrorCode, "AccessDenied") || c.ErrorCode == "UnauthorizedOperation" {
			denied = append(denied, c.Service+":"+c.Action+" in "+c.Region)
		}
	}
	if len(denied) > 0 {
		problems = append(problems, "denied "+strings.Join(slices.Compact(slices.Sorted(slices.Values(denied))), ", "))
	}
	switch {
	case remove == "" && len(problems) > 0:
		t.Errorf("the seal as a user holding exactly the policy: %s", strings.Join(problems, "; "))
	case remove != "" && len(problems) == 0:
		t.Errorf("the seal passed without the statement %s: it is not needed", remove)
	case remove != "":
		t.Logf("without %s: %s", remove, strings.Join(problems, "; "))
	}
	checkUntouched(t, e.bystander, after, calls)
	return full
}

// iamPolicyOf runs `packer-plugin-golden iam-policy` on the template, as a user would.
func iamPolicyOf(t *testing.T, e *relEnv, template string) iampolicy.Document {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "reliability.pkr.hcl"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	bins, err := filepath.Glob(filepath.Join(e.packer.PluginDir, "github.com", "goldenami", "golden", "packer-plugin-golden_*"))
	bins = slices.DeleteFunc(bins, func(b string) bool { return strings.HasSuffix(b, "_SHA256SUM") })
	if err != nil || len(bins) != 1 {
		t.Fatalf("the plugin binary in %s: %v %v", e.packer.PluginDir, bins, err)
	}
	cmd := exec.Command(bins[0], "iam-policy", "-account", awstest.AccountID, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("iam-policy: %v\n%s", err, stderr.String())
	}
	var doc iampolicy.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("iam-policy printed no policy: %v\n%s", err, stdout.String())
	}
	return doc
}

// iamOlderFamilyImages seals, the way an earlier run would have, an image of
// the family in each region: retention with keep_latest = 1 retires them.
func iamOlderFamilyImages(t *testing.T, e *relEnv) []string {
	t.Helper()
	var ids []string
	for _, r := range relRegions {
		tags := []ec2types.Tag{
			{Key: aws.String(family.Tag), Value: aws.String(iamFamily)},
			{Key: aws.String(imagecopy.TagRun), Value: aws.String("an-older-run")},
			{Key: aws.String(imagecopy.TagStatus), Value: aws.String(imagecopy.StatusSealed)},
		}
		out, err := ec2.NewFromConfig(e.rig.Config(r)).CopyImage(t.Context(), &ec2.CopyImageInput{SourceImageId: aws.String(awstest.SourceAMIID),
			SourceRegion: aws.String(buildRegion), Name: aws.String("golden-rel-older"), Encrypted: aws.Bool(true), KmsKeyId: aws.String(e.ebsKeys[r]),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: tags}, {ResourceType: ec2types.ResourceTypeSnapshot, Tags: tags}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r+" "+aws.ToString(out.ImageId))
	}
	return ids
}
