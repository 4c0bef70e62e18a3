package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// The demo's provenance stand-ins, as example/demo.pkr.hcl names them by default.
const (
	demoRegion           = "us-east-1"
	demoProvenanceKey    = "alias/golden-provenance"
	demoProvenanceBucket = "golden-provenance"
)

// prepareProvenance creates the signing key and the bucket the demo's seal
// needs, and returns the key's ARN: consumers in other regions name it so.
func prepareProvenance(ctx context.Context, rig *awstest.Rig) (string, error) {
	k := kms.NewFromConfig(rig.Config(demoRegion))
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeSignVerify, KeySpec: kmstypes.KeySpecEccNistP256,
		Description: aws.String("golden AMI provenance")})
	if err != nil {
		return "", fmt.Errorf("creating the provenance signing key: %w", err)
	}
	if _, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(demoProvenanceKey), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		return "", fmt.Errorf("naming the provenance signing key: %w", err)
	}
	if _, err := s3.NewFromConfig(rig.Config(demoRegion), awstest.S3PathStyle).CreateBucket(ctx,
		&s3.CreateBucketInput{Bucket: aws.String(demoProvenanceBucket)}); err != nil {
		return "", fmt.Errorf("creating the provenance bucket: %w", err)
	}
	return aws.ToString(key.KeyMetadata.Arn), nil
}

// verifyProvenance runs the plugin's verify command on every sealed AMI, as
// a consumer would, and prints the record of the build region's AMI.
func verifyProvenance(ctx context.Context, out io.Writer, rig *awstest.Rig, pluginDir, keyARN, work string, amis map[string]string) error {
	bin, err := pluginBinary(pluginDir)
	if err != nil {
		return err
	}
	regions := make([]string, 0, len(amis))
	for r := range amis {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	envelope := filepath.Join(work, "envelope.json")
	var failed []string
	for _, region := range regions {
		args := []string{"verify", "--region", region, "--kms-key-id", keyARN}
		if region == demoRegion {
			args = append(args, "--save-envelope", envelope)
		}
		args = append(args, amis[region])
		fmt.Fprintf(out, "$ packer-plugin-golden %s\n", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = rig.ChildEnv(os.Environ())
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			failed = append(failed, fmt.Sprintf("%s in %s: %v", amis[region], region, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("provenance does not verify: %s", strings.Join(failed, "; "))
	}
	return printRecord(out, envelope, amis[demoRegion])
}

// printRecord prints the statement an envelope carries.
func printRecord(out io.Writer, path, ami string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the saved envelope: %w", err)
	}
	e, err := provenance.ParseEnvelope(b)
	if err != nil {
		return err
	}
	payload, err := e.DecodeB64Payload()
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, payload, "", "  "); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n==> the provenance of %s in %s (the signed payload of its %d-byte envelope)\n%s\n", ami, demoRegion, len(b), pretty.String())
	return nil
}

// pluginBinary is the newest golden plugin binary in the Packer plugin dir
// (`make dev` installs it there).
func pluginBinary(pluginDir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(pluginDir, "github.com", "goldenami", "golden", "packer-plugin-golden_*"))
	if err != nil {
		return "", err
	}
	var newest string
	var newestInfo os.FileInfo
	for _, m := range matches {
		info, err := os.Stat(m)
		if err != nil || strings.HasSuffix(m, "_SHA256SUM") || !info.Mode().IsRegular() {
			continue
		}
		if newestInfo == nil || info.ModTime().After(newestInfo.ModTime()) {
			newest, newestInfo = m, info
		}
	}
	if newest == "" {
		return "", errors.New("no golden plugin in " + pluginDir + ": run `make dev`")
	}
	return newest, nil
}
