package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
)

// runDemo builds the example pipeline against the local stand-ins and prints
// what was built.
func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("rig demo", flag.ContinueOnError)
	template := fs.String("template", "example/demo.pkr.hcl", "the Packer `template` to build")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	tools, err := rigpath.FindTools()
	if err != nil {
		return err
	}
	template_, err := filepath.Abs(*template)
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Println("==> starting the AWS stand-in (moto behind the fault proxy)")
	rig, err := awstest.Launch(ctx)
	if err != nil {
		return err
	}
	defer rig.Close()
	keyARN, err := prepareProvenance(ctx, rig)
	if err != nil {
		return err
	}

	fmt.Println("==> starting the instance stand-in (Debian sandbox with sshd)")
	sb, sshd, err := startInstance(ctx, 0)
	if err != nil {
		return err
	}
	defer func() {
		if err := stopInstance(sb); err != nil {
			fmt.Fprintln(os.Stderr, "rig demo: stopping the sandbox:", err)
		}
	}()

	work, err := os.MkdirTemp("", "golden-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	manifest := filepath.Join(work, "manifest.json")
	fmt.Printf("==> packer build %s\n", *template)
	cmd := exec.CommandContext(ctx, tools.Packer, "build", "-color=false", template_)
	cmd.Dir = filepath.Dir(template_)
	cmd.Env = append(rig.ChildEnv(os.Environ()),
		"PACKER_PLUGIN_PATH="+tools.PluginDir,
		"CHECKPOINT_DISABLE=1",
		"PKR_VAR_source_ami="+awstest.SourceAMIID,
		fmt.Sprintf("PKR_VAR_ssh_port=%d", sshd.Port),
		"PKR_VAR_ssh_private_key_file="+sshd.PrivateKey,
		"PKR_VAR_manifest="+manifest,
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// Ctrl-C reaches packer through the terminal's process group; give it time to clean up.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 2 * time.Minute
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("packer build: %w", err)
	}
	amis, err := readManifest(manifest)
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("==> what was built")
	if err := summarize(ctx, os.Stdout, rig, amis); err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("==> the provenance of each sealed AMI, verified as a consumer would")
	if err := verifyProvenance(ctx, os.Stdout, rig, tools.PluginDir, keyARN, work, amis); err != nil {
		return err
	}
	fmt.Printf("\n%d AWS calls through the proxy; demo finished in %s\n", len(rig.Proxy().Calls()), time.Since(start).Round(time.Millisecond))
	return nil
}

// readManifest returns region → AMI id from the manifest post-processor's file.
func readManifest(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading packer's manifest: %w", err)
	}
	var m struct {
		Builds []struct {
			ArtifactID string `json:"artifact_id"`
		} `json:"builds"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parsing packer's manifest: %w", err)
	}
	if len(m.Builds) == 0 {
		return nil, errors.New("packer's manifest lists no build")
	}
	amis := map[string]string{}
	for _, pair := range strings.Split(m.Builds[len(m.Builds)-1].ArtifactID, ",") {
		region, id, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected artifact id %q in packer's manifest", pair)
		}
		amis[region] = id
	}
	return amis, nil
}

// summarize prints each AMI as AWS (moto) now describes it.
func summarize(ctx context.Context, out io.Writer, rig *awstest.Rig, amis map[string]string) error {
	regions := make([]string, 0, len(amis))
	for r := range amis {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, region := range regions {
		client := ec2.NewFromConfig(rig.Config(region))
		res, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{amis[region]}})
		if err != nil {
			return fmt.Errorf("describing %s in %s: %w", amis[region], region, err)
		}
		for _, img := range res.Images {
			fmt.Fprintf(out, "%s  %s  %s  state=%s\n", region, aws.ToString(img.ImageId), aws.ToString(img.Name), img.State)
			keys, err := snapshotKeys(ctx, client, img.BlockDeviceMappings)
			if err != nil {
				return fmt.Errorf("describing the snapshots of %s in %s: %w", amis[region], region, err)
			}
			for _, bdm := range img.BlockDeviceMappings {
				if bdm.Ebs == nil {
					continue
				}
				fmt.Fprintf(out, "    %s snapshot %s encrypted=%t key=%s\n", aws.ToString(bdm.DeviceName),
					aws.ToString(bdm.Ebs.SnapshotId), aws.ToBool(bdm.Ebs.Encrypted), orNone(keys[aws.ToString(bdm.Ebs.SnapshotId)]))
			}
			tags := make([]string, 0, len(img.Tags))
			for _, t := range img.Tags {
				tags = append(tags, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
			}
			sort.Strings(tags)
			fmt.Fprintf(out, "    tags: %s\n", orNone(strings.Join(tags, ", ")))
		}
	}
	return nil
}

// snapshotKeys are the KMS keys of the snapshots of the mappings, by snapshot
// id: DescribeImages does not report them, DescribeSnapshots does.
func snapshotKeys(ctx context.Context, client *ec2.Client, mappings []ec2types.BlockDeviceMapping) (map[string]string, error) {
	var ids []string
	for _, m := range mappings {
		if m.Ebs != nil && m.Ebs.SnapshotId != nil {
			ids = append(ids, *m.Ebs.SnapshotId)
		}
	}
	keys := map[string]string{}
	if len(ids) == 0 {
		return keys, nil
	}
	out, err := client.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: ids})
	if err != nil {
		return nil, err
	}
	for _, s := range out.Snapshots {
		keys[aws.ToString(s.SnapshotId)] = aws.ToString(s.KmsKeyId)
	}
	return keys, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
