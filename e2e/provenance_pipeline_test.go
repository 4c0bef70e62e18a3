package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
)

// TestProvenancePipeline: amazon-ebs, golden-harden and golden-seal over three
// regions with a KMS key and every store. Each sealed AMI carries the pointer
// tags to one envelope stored alike in S3, SSM and the directory; the plugin's
// verify command passes on each, and fails, with the reason, on each way of
// tampering with a record, its tags, its key or its image.
func TestProvenancePipeline(t *testing.T) {
	pr := newProvenanceRig(t)
	if err := pr.AWS.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := pr.build(t, pr.vars("PKR_VAR_family=debian-12-e2e")...)
	t.Logf("packer build (amazon-ebs, golden-harden, golden-seal over 3 regions with provenance in S3, SSM and a directory): %v", time.Since(start).Round(10*time.Millisecond))
	for _, m := range signTimes.FindAllStringSubmatch(res.Output, -1) {
		t.Logf("%s: signed in %s, %s bytes, stored in 3 stores and tagged in %s", m[1], m[2], m[3], m[4])
	}
	amis := sealedAMIs(t, res.Output)
	pr.assertRendezvousRemoved(t)
	report, err := os.ReadFile(filepath.Join(pr.dir, "reports", "provenance.json"))
	if err != nil {
		t.Fatal(err)
	}
	reportSum := sha256.Sum256(report)
	template, err := os.ReadFile("testdata/provenance.pkr.hcl")
	if err != nil {
		t.Fatal(err)
	}
	templateSum := sha256.Sum256(template)

	envelopes := map[string][]byte{}
	for _, region := range sealRegions {
		ami := amis[region]
		t.Run("verify "+region, func(t *testing.T) {
			ptr := pr.pointer(t, region, ami)
			var kinds []attestore.Kind
			for _, l := range ptr.Locations {
				kinds = append(kinds, l.Kind)
			}
			if diff := cmp.Diff([]attestore.Kind{attestore.S3, attestore.SSM, attestore.File}, kinds); diff != "" {
				t.Errorf("locations (-want +got):\n%s", diff)
			}
			env := pr.stored(t, region, ami)
			envelopes[region] = env
			if sum := sha256.Sum256(env); hex.EncodeToString(sum[:]) != ptr.SHA256 {
				t.Errorf("the stored envelope's sha256 is not the tag's")
			}
			v := pr.verify(t, region, ami, "--kms-key-id", pr.signARN, "--json")
			if v.Exit != 0 {
				t.Fatalf("verify exited %d:\n%s%s", v.Exit, v.Stdout, v.Stderr)
			}
			var got struct {
				Verified      bool `json:"verified"`
				KMSKeyChecked bool `json:"kmsKeyChecked"`
				Provenance    provenance.Summary
			}
			if err := json.Unmarshal([]byte(v.Stdout), &got); err != nil {
				t.Fatal(err)
			}
			tags := pr.imageTags(t, region, ami)
			if !got.Verified || !got.KMSKeyChecked || got.Provenance.HardeningVerdict != "pass" || got.Provenance.KMSKeyID != pr.arns[region] ||
				got.Provenance.InvocationID != tags[imagecopy.TagRun] || !strings.HasPrefix(got.Provenance.BuilderID, "urn:golden:host:") ||
				got.Provenance.BaseImageID != awstest.SourceAMIID || got.Provenance.BaseOwnerID != awstest.SourceAMIOwner {
				t.Errorf("verify --json:\n%s", v.Stdout)
			}
			st := statement(t, env)
			bp := st.Predicate.RunDetails.Byproducts
			if len(bp) != 1 || bp[0].Digest["sha256"] != hex.EncodeToString(reportSum[:]) || bp[0].Annotations["verdict"] != "pass" {
				t.Errorf("byproducts %+v: want the golden-harden report's sha256 and verdict", bp)
			}
			params := st.Predicate.BuildDefinition.ExternalParameters
			wantParams := provenance.ExternalParameters{
				BuildName: "provenance",
				Templates: []provenance.File{{Path: "provenance.pkr.hcl", SHA256: hex.EncodeToString(templateSum[:])}},
				Variables: map[string]string{"family": "debian-12-e2e", "api_token": provenance.Redacted, "padding": ""},
				SourceAMI: &provenance.SourceParameter{ImageID: got.Provenance.SourceImageID, Region: buildRegion},
				Regions:   sealRegions,
				KMSKeyIDs: pr.arns,
				Tags:      map[string]string{"Name": "golden-" + region, "Team": "platform"},
			}
			if diff := cmp.Diff(wantParams, params); diff != "" {
				t.Errorf("externalParameters (-want +got):\n%s", diff)
			}
			var roles []string
			for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
				roles = append(roles, d.Annotations["role"]+" "+d.Name)
			}
			for _, want := range []string{"base-ami arn:aws:ec2:us-east-1::image/" + awstest.SourceAMIID, "template provenance.pkr.hcl", "hardening-rules golden-harden/none", "hardening-script inline", "tool packer"} {
				if !strings.Contains(strings.Join(roles, "\n"), want) {
					t.Errorf("resolvedDependencies %q: no %q", roles, want)
				}
			}
		})
	}
	if t.Failed() {
		return
	}
	t.Run("cosign verifies a record", func(t *testing.T) { cosignVerifies(t, pr, "ap-south-1", amis["ap-south-1"]) })

	// Each way of tampering, on the AMI of eu-west-1, restored after each.
	region, ami := "eu-west-1", amis["eu-west-1"]
	ptr := pr.pointer(t, region, ami)
	orig := envelopes[region]
	otherKey := pr.AWS.CreateKey(t, buildRegion, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "alias/attacker")
	tampers := []struct {
		name   string
		tamper func(t *testing.T)
		want   string
	}{
		{"payload byte changed", func(t *testing.T) {
			pr.store(t, region, ami, ptr, changePayload(t, orig))
		}, "no signature verifies with the trusted key"},
		{"envelope of another AMI swapped in", func(t *testing.T) {
			pr.store(t, region, ami, ptr, envelopes["ap-south-1"])
		}, "the record is for another image: it names arn:aws:ec2:ap-south-1::image/" + amis["ap-south-1"] + ", not arn:aws:ec2:eu-west-1::image/" + ami},
		{"tag digest changed", func(t *testing.T) {
			pr.tag(t, region, ami, attestore.TagSHA256, strings.Repeat("ab", 32))
		}, "has sha256 " + ptr.SHA256 + ", but the tag golden:provenance-sha256 says " + strings.Repeat("ab", 32)},
		{"key replaced", func(t *testing.T) {
			pr.store(t, region, ami, ptr, resign(t, pr, orig, otherKey))
		}, "no signature verifies with the trusted key (trusted SHA256:"},
		{"envelope missing", func(t *testing.T) {
			pr.remove(t, ptr)
		}, "the envelope is missing at " + ptr.Locations[0].String() + "; the envelope is missing at " + ptr.Locations[1].String() +
			"; the envelope is missing at " + ptr.Locations[2].String()},
	}
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			tt.tamper(t)
			defer pr.store(t, region, ami, ptr, orig)
			v := pr.verify(t, region, ami, "--kms-key-id", pr.signARN)
			if v.Exit != 1 || !strings.Contains(v.Stderr, "NOT verified") || !strings.Contains(v.Stderr, tt.want) {
				t.Errorf("verify exited %d, want 1 and %q:\n%s%s", v.Exit, tt.want, v.Stdout, v.Stderr)
			}
		})
	}
	t.Run("verified again once restored", func(t *testing.T) {
		if v := pr.verify(t, region, ami, "--kms-key-id", pr.signARN); v.Exit != 0 {
			t.Errorf("verify exited %d:\n%s", v.Exit, v.Stderr)
		}
	})
	t.Run("AMI re-registered under the same name", func(t *testing.T) {
		c := pr.ec2(region)
		old, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeregisterImage(t.Context(), &ec2.DeregisterImageInput{ImageId: aws.String(ami)}); err != nil {
			t.Fatal(err)
		}
		// Another image, made the way the sealed one was, under its name, with its tags.
		cp, err := c.CopyImage(t.Context(), &ec2.CopyImageInput{SourceImageId: aws.String(amis["ap-south-1"]), SourceRegion: aws.String("ap-south-1"),
			Name: old.Images[0].Name, Encrypted: aws.Bool(true), KmsKeyId: aws.String(pr.arns[region])})
		if err != nil {
			t.Fatal(err)
		}
		imposter := aws.ToString(cp.ImageId)
		if _, err := c.CreateTags(t.Context(), &ec2.CreateTagsInput{Resources: []string{imposter}, Tags: old.Images[0].Tags}); err != nil {
			t.Fatal(err)
		}
		v := pr.verify(t, region, imposter, "--kms-key-id", pr.signARN)
		want := "the record is for another image: it names arn:aws:ec2:eu-west-1::image/" + ami + ", not arn:aws:ec2:eu-west-1::image/" + imposter
		if v.Exit != 1 || !strings.Contains(v.Stderr, want) {
			t.Errorf("verify of the re-registered AMI exited %d, want 1 and %q:\n%s", v.Exit, want, v.Stderr)
		}
	})
}

// changePayload changes one byte of the envelope's payload, keeping it valid JSON.
func changePayload(t *testing.T, envelope []byte) []byte {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(envelope, &e); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(e["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(payload), `"buildName":"provenance"`) + len(`"buildName":"p`)
	payload[i] = 'P'
	e["payload"] = base64.StdEncoding.EncodeToString(payload)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resign signs the envelope's statement again with another KMS key.
func resign(t *testing.T, pr *provenanceRig, envelope []byte, keyARN string) []byte {
	t.Helper()
	signer, err := kmssign.NewKMS(t.Context(), kms.NewFromConfig(pr.AWS.Config(buildRegion)), keyARN)
	if err != nil {
		t.Fatal(err)
	}
	e, err := provenance.Sign(t.Context(), statement(t, envelope), signer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := provenance.MarshalEnvelope(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cosignVerifies follows docs/provenance.md: export the public key and the
// envelope with the verify command, then check both with cosign, offline.
func cosignVerifies(t *testing.T, pr *provenanceRig, region, ami string) {
	cache, err := rigpath.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	cosign := filepath.Join(cache, "tools", "bin", "cosign")
	if _, err := os.Stat(cosign); err != nil {
		t.Fatalf("cosign is needed at %s: run `make cosign`: %v", cosign, err)
	}
	dir := t.TempDir()
	pub, env := filepath.Join(dir, "golden.pub.pem"), filepath.Join(dir, "envelope.json")
	v := pr.verify(t, region, ami, "--kms-key-id", pr.signARN, "--export-public-key", pub, "--save-envelope", env, "--json")
	var res struct {
		Provenance provenance.Summary `json:"provenance"`
	}
	if err := json.Unmarshal([]byte(v.Stdout), &res); v.Exit != 0 || err != nil {
		t.Fatalf("verify exited %d (%v):\n%s%s", v.Exit, err, v.Stdout, v.Stderr)
	}
	cmd := exec.CommandContext(t.Context(), "unshare", "--net", "--", cosign, "verify-blob-attestation",
		"--key", pub, "--signature", env, "--type", "slsaprovenance1", "--new-bundle-format=false", "--insecure-ignore-tlog=true",
		"--digest", res.Provenance.ImageDigest, "--digestAlg", "sha256")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "SIGSTORE_NO_CACHE=true", "TUF_ROOT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Errorf("cosign rejects golden-seal's envelope: %v\n%s", err, out)
	}
}
