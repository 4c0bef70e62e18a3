package awstest_test

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// The amazon builder refuses a source AMI that is not EBS-backed; moto's own
// AMIs are "standard". The seed must be in every region a test may use.
func TestSeedAMIInEveryRegion(t *testing.T) {
	rig := awstest.Shared(t)
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-southeast-2"} {
		out, err := ec2.NewFromConfig(rig.Config(region)).DescribeImages(t.Context(), &ec2.DescribeImagesInput{
			Owners:  []string{awstest.SourceAMIOwner},
			Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{awstest.SourceAMINamePattern}}},
		})
		if err != nil {
			t.Fatalf("%s: DescribeImages: %v", region, err)
		}
		if len(out.Images) != 1 {
			t.Fatalf("%s: want the seed AMI alone, got %d images", region, len(out.Images))
		}
		img := out.Images[0]
		got := []string{aws.ToString(img.ImageId), aws.ToString(img.Name), string(img.RootDeviceType),
			string(img.Architecture), string(img.VirtualizationType), string(img.State), aws.ToString(img.RootDeviceName)}
		want := []string{awstest.SourceAMIID, awstest.SourceAMIName, "ebs", "x86_64", "hvm", "available", awstest.SourceAMIRootDevice}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: seed AMI is %v, want %v", region, got, want)
		}
		if len(img.BlockDeviceMappings) != 1 || img.BlockDeviceMappings[0].Ebs == nil || img.BlockDeviceMappings[0].Ebs.SnapshotId == nil {
			t.Errorf("%s: seed AMI has no EBS snapshot: %+v", region, img.BlockDeviceMappings)
		}
	}
}

// A child process given ChildEnv reaches the rig, even when the caller's
// environment names a profile and a session: the aws CLI's SDK (boto3, which
// moto requires) in a real child, and the Go SDK's own environment loading,
// as packer and its plugins use it.
func TestChildEnvReachesRig(t *testing.T) {
	rig := awstest.Start(t)
	developer := append(os.Environ(), "AWS_PROFILE=developer", "AWS_SESSION_TOKEN=expired", "AWS_REGION=eu-west-1")
	env := rig.ChildEnv(developer)

	script := `import boto3; print(boto3.client("sts").get_caller_identity()["Account"])`
	cmd := exec.CommandContext(t.Context(), "python3", "-c", script)
	cmd.Env = append(env, "AWS_DEFAULT_REGION=eu-west-1")
	out, err := cmd.CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != awstest.AccountID {
		t.Errorf("boto3 in a child with ChildEnv: %v\n%s\nwant account %s", err, out, awstest.AccountID)
	}

	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, v)
		}
	}
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != awstest.AccountID {
		t.Errorf("Go SDK with ChildEnv: %v, account %s, want %s", err, aws.ToString(id.Account), awstest.AccountID)
	}
	if calls := rig.Proxy().CallsTo("sts", "GetCallerIdentity"); len(calls) != 2 || calls[0].Region != "eu-west-1" {
		t.Errorf("call log has %+v, want two GetCallerIdentity in eu-west-1", calls)
	}
}

func TestLaunchFailsClearly(t *testing.T) {
	dir := t.TempDir()
	fakeMoto := filepath.Join(dir, "site", "moto")
	if err := os.MkdirAll(fakeMoto, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fakeMoto, "__init__.py"), []byte("__version__ = '5.1.0'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name string
		opts []awstest.Option
		want string
	}{
		{"no python", []awstest.Option{awstest.WithPython(filepath.Join(dir, "no-python3"))},
			"moto not found: " + filepath.Join(dir, "no-python3") + " not on PATH: install Python 3, then pip install 'moto[server]==5.2.1'"},
		// -S leaves site-packages, where moto is, off the path.
		{"no moto", []awstest.Option{awstest.WithPython(script("python-without-moto", `exec python3 -S "$@"`))},
			"moto not found: pip install 'moto[server]==5.2.1'"},
		{"other moto", []awstest.Option{awstest.WithPython(script("python-other-moto", `PYTHONPATH=`+filepath.Dir(fakeMoto)+` exec python3 -S "$@"`))},
			"moto 5.1.0 found, the rig needs exactly 5.2.1: pip install 'moto[server]==5.2.1'"},
		{"proxy port taken", []awstest.Option{awstest.WithProxyPort(takenPort)},
			"proxy port " + strconv.Itoa(takenPort) + " on 127.0.0.1 is taken: choose another port or stop what holds it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]awstest.Option{awstest.WithLogFile(filepath.Join(t.TempDir(), "moto.log"))}, tt.opts...)
			rig, err := awstest.Launch(t.Context(), opts...)
			if err == nil {
				rig.Close()
				t.Fatalf("Launch succeeded, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Launch error:\n  %v\nwant it to start with:\n  %s", err, tt.want)
			}
		})
	}
}

// Close ends moto's whole process group; nothing is left behind.
func TestCloseStopsMoto(t *testing.T) {
	rig, err := awstest.Launch(t.Context(), awstest.WithLogFile(filepath.Join(t.TempDir(), "moto.log")))
	if err != nil {
		t.Fatal(err)
	}
	pid := rig.MotoPID()
	if err := rig.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("moto's process group %d still exists after Close (kill 0: %v)", pid, err)
	}
	if resp, err := http.Get(rig.Endpoint() + "/_proxy/calls"); err == nil {
		resp.Body.Close()
		t.Error("the proxy still answers after Close")
	}
}
