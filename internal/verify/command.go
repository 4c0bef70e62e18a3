package verify

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
)

// Exit statuses of the verify command.
const (
	ExitVerified = 0 // every check held
	ExitRejected = 1 // the provenance does not hold; the reason is printed
	ExitUsage    = 2 // bad arguments
	ExitError    = 3 // could not find out (AWS unreachable, access denied, …)
)

const usage = `Usage: packer-plugin-golden verify --region REGION (--kms-key-id KEY | --public-key FILE) [options] AMI_ID

Checks that AMI_ID carries provenance signed by the trusted key: reads the
AMI's golden:provenance tags, fetches the envelope, checks its sha256 against
the tag, verifies the signature, and recomputes the image digest from the live
AMI. Exit status 0 only when all of that holds; 1 with the reason when it does
not; 2 for bad arguments; 3 when it could not find out (e.g. AWS unreachable).

  packer-plugin-golden verify --region eu-west-1 --kms-key-id alias/golden-provenance ami-0123456789abcdef0
  packer-plugin-golden verify --region eu-west-1 --public-key golden.pub.pem --json ami-0123456789abcdef0
  packer-plugin-golden verify --region eu-west-1 --kms-key-id alias/golden-provenance --export-public-key golden.pub.pem

Options:
`

type options struct {
	region, profile  string
	kmsKeyID, pubKey string
	exportKey        string
	saveEnvelope     string
	dirs             []string
	json             bool
	imageID          string
}

// Main runs the verify command with args (those after "verify") and returns
// the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitVerified
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return ExitUsage
	}
	sess, err := (&awsconfig.AccessConfig{Region: o.region, Profile: o.profile}).Session(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return ExitError
	}
	verifiers, err := trustedKeys(ctx, sess, o)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return ExitError
	}
	if o.exportKey != "" {
		if err := exportKey(o.exportKey, verifiers[0]); err != nil {
			fmt.Fprintf(stderr, "verify: %v\n", err)
			return ExitError
		}
		if o.imageID == "" {
			return ExitVerified
		}
	}
	reader, err := attestore.NewReader(sess.S3, sess.SSM, o.dirs...)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return ExitUsage
	}
	res, err := New(sess.EC2, reader, verifiers...).Image(ctx, o.region, o.imageID)
	if o.saveEnvelope != "" && res != nil && res.Envelope != nil {
		if werr := os.WriteFile(o.saveEnvelope, res.Envelope, 0o644); werr != nil {
			fmt.Fprintf(stderr, "verify: saving the envelope: %v\n", werr)
		}
	}
	return report(o, res, err, stdout, stderr)
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&o.region, "region", "", "the AMI's region (required)")
	fs.StringVar(&o.profile, "profile", "", "AWS profile to use (default: the standard chain)")
	fs.StringVar(&o.kmsKeyID, "kms-key-id", "", "trust signatures of this KMS key (id, ARN, alias or alias ARN); needs kms:GetPublicKey")
	fs.StringVar(&o.pubKey, "public-key", "", "trust signatures of this PEM public key")
	fs.StringVar(&o.exportKey, "export-public-key", "", "write the trusted public key as PEM to this file (for cosign); without AMI_ID, only that")
	fs.StringVar(&o.saveEnvelope, "save-envelope", "", "write the fetched envelope to this file (for cosign)")
	fs.Func("provenance-dir", "follow file:// locations under this directory (repeatable); others are refused", func(s string) error {
		o.dirs = append(o.dirs, s)
		return nil
	})
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	// Flags may come after the AMI id too.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case o.region == "":
		return o, errors.New("--region is required")
	case o.kmsKeyID == "" && o.pubKey == "":
		return o, errors.New("give the trusted key: --kms-key-id KEY or --public-key FILE (a key named by the AMI itself proves nothing)")
	case len(positional) > 1:
		return o, fmt.Errorf("one AMI id at a time, got %s", strings.Join(positional, " "))
	case len(positional) == 0 && o.exportKey == "":
		return o, errors.New("give the AMI id to verify")
	}
	if len(positional) == 1 {
		o.imageID = positional[0]
	}
	return o, nil
}

func trustedKeys(ctx context.Context, sess *awsconfig.Session, o options) ([]dsse.Verifier, error) {
	var vs []dsse.Verifier
	if o.kmsKeyID != "" {
		ref, err := kmssign.ParseReference(o.kmsKeyID)
		if err != nil {
			return nil, err
		}
		region := o.region
		if ref.Region != "" {
			region = ref.Region
		}
		v, err := kmssign.NewKMSVerifier(ctx, sess.KMS(region), o.kmsKeyID)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	if o.pubKey != "" {
		b, err := os.ReadFile(o.pubKey)
		if err != nil {
			return nil, fmt.Errorf("reading the public key: %w", err)
		}
		v, err := kmssign.LoadPublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.pubKey, err)
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func exportKey(path string, v dsse.Verifier) error {
	pemmer, ok := v.(interface{ PublicKeyPEM() ([]byte, error) })
	if !ok {
		return fmt.Errorf("cannot export a %T", v)
	}
	b, err := pemmer.PublicKeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("writing the public key: %w", err)
	}
	return nil
}

// jsonResult is what --json prints.
type jsonResult struct {
	Verified bool   `json:"verified"`
	Reason   string `json:"reason,omitempty"`
	*Result
}

func report(o options, res *Result, err error, stdout, stderr io.Writer) int {
	status := ExitVerified
	switch {
	case errors.Is(err, ErrRejected):
		status = ExitRejected
	case err != nil:
		status = ExitError
	}
	if o.json {
		out := jsonResult{Verified: err == nil, Result: res}
		if out.Result == nil {
			out.Result = &Result{Region: o.region, ImageID: o.imageID}
		}
		if err != nil {
			out.Reason = err.Error()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if eerr := enc.Encode(out); eerr != nil {
			fmt.Fprintf(stderr, "verify: %v\n", eerr)
			return ExitError
		}
		return status
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s in %s: NOT verified: %v\n", o.imageID, o.region, err)
		return status
	}
	printSummary(stdout, res)
	return status
}

func printSummary(w io.Writer, r *Result) {
	s := r.Summary
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-10s %s\n", k, v)
		}
	}
	fmt.Fprintf(w, "%s in %s: verified\n", r.ImageID, r.Region)
	line("image", r.ImageName+" ("+s.Image+")")
	line("digest", "sha256:"+s.ImageDigest)
	image := func(id, name, owner string) string {
		s := strings.TrimSpace(id + " " + name)
		if owner != "" {
			s += " (owner " + owner + ")"
		}
		return s
	}
	line("source", image(s.SourceImageID, s.SourceName, s.SourceOwnerID))
	line("built from", image(s.BaseImageID, s.BaseName, s.BaseOwnerID))
	built := ""
	if !s.FinishedOn.IsZero() {
		built = s.FinishedOn.UTC().Format(time.RFC3339) + " "
	}
	line("built", built+"by "+s.BuilderID)
	line("run", s.InvocationID)
	line("hardening", s.HardeningVerdict)
	keyNote := ""
	if s.KMSKeyID != "" {
		keyNote = " (not visible to this account; the snapshot ids are in the digest)"
		if r.KMSKeyChecked {
			keyNote = " (checked against the snapshots)"
		}
	}
	line("encrypted", s.KMSKeyID+keyNote)
	line("signed by", strings.Join(r.KeyIDs, ", "))
	line("envelope", r.Location+" sha256:"+r.EnvelopeSHA256)
}
