package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// TestSmokePipeline runs the real amazon-ebs builder against moto with the
// sandbox as its instance, and checks that the AMI exists in moto.
func TestSmokePipeline(t *testing.T) {
	p := newPipeline(t, "testdata/smoke.pkr.hcl")
	res := p.build(t)

	m := regexp.MustCompile(`us-east-1: (ami-[0-9a-f]+)`).FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatalf("no AMI id in packer's output")
	}
	out, err := ec2.NewFromConfig(p.AWS.Config(buildRegion)).DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{m[1]}})
	if err != nil {
		t.Fatalf("describing the built AMI: %v", err)
	}
	if len(out.Images) != 1 || !regexp.MustCompile(`^golden-smoke-\d+$`).MatchString(aws.ToString(out.Images[0].Name)) {
		t.Fatalf("moto has %+v for %s, want one image named golden-smoke-<timestamp>", out.Images, m[1])
	}
	// The shell provisioner ran inside the sandbox, not on the host.
	if b, err := os.ReadFile(filepath.Join(p.Instance.Root(), "etc", "golden-smoke")); err != nil || string(b) != "smoke\n" {
		t.Errorf("the provisioner's file in the sandbox: %q, %v", b, err)
	}
	if _, err := os.Stat("/etc/golden-smoke"); err == nil {
		t.Errorf("the provisioner wrote to the host's /etc")
	}
	if calls := p.AWS.Proxy().CallsTo("ec2", "CreateImage"); len(calls) != 1 {
		t.Errorf("CreateImage calls through the proxy: %d, want 1", len(calls))
	}
}
