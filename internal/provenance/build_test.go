package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func TestStatementGolden(t *testing.T) {
	s, err := fixtureRun().Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := MarshalStatement(s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, payload, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "statement.golden.json", append(b.Bytes(), '\n'))
}

func TestStatementIsDeterministic(t *testing.T) {
	first, err := fixtureRun().Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := MarshalStatement(first)
	for range 20 {
		s, err := fixtureRun().Statement(fixtureImage())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := MarshalStatement(s)
		if string(got) != string(want) {
			t.Fatalf("two statements of the same run differ:\n%s\n%s", got, want)
		}
	}
}

// TestInTotoBindingsAccept checks the record against the in-toto Go bindings:
// they parse it and their Validate methods pass.
func TestInTotoBindingsAccept(t *testing.T) {
	for name, run := range map[string]*Run{"full": fixtureRun(), "minimal": minimalRun()} {
		t.Run(name, func(t *testing.T) {
			s, err := run.Statement(fixtureImage())
			if err != nil {
				t.Fatal(err)
			}
			payload, err := MarshalStatement(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateWithBindings(payload); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func minimalRun() *Run {
	return &Run{Regions: []string{"eu-west-1"}, Runner: DetectRunner(mapEnv(nil), "laptop")}
}

// validateWithBindings parses payload with the in-toto bindings and validates
// the statement and its SLSA predicate.
func validateWithBindings(payload []byte) error {
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	if st.GetPredicateType() != PredicateType {
		return errors.New("predicate type is not SLSA v1")
	}
	pred, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return err
	}
	var p slsa.Provenance
	if err := protojson.Unmarshal(pred, &p); err != nil {
		return err
	}
	return p.Validate()
}

func TestStatementFields(t *testing.T) {
	s, err := fixtureRun().Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := ImageDigest(fixtureImage())
	want := Summary{
		Image:            "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0",
		ImageDigest:      digest,
		KMSKeyID:         "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		SourceImageID:    "ami-0b0100000000000a1",
		SourceName:       "golden-debian-12-build-1735725600",
		SourceOwnerID:    "123456789012",
		BaseImageID:      "ami-0deb1200000000001",
		BaseName:         "debian-12-amd64-20250101-1980",
		BaseOwnerID:      "136693071363",
		BuilderID:        "https://github.com/acme/images/.github/workflows/golden.yml@refs/heads/main",
		InvocationID:     "6f1c2a1e-93a4-4c5e-b8f5-8d1f0b5c2a10",
		StartedOn:        fixtureRun().StartedOn,
		FinishedOn:       fixtureRun().FinishedOn,
		HardeningVerdict: "pass",
		Regions:          []string{"eu-west-1", "us-east-1"},
	}
	if diff := cmp.Diff(want, s.Summary()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	var roles []string
	for _, d := range s.Predicate.BuildDefinition.ResolvedDependencies {
		roles = append(roles, d.Annotations["role"]+" "+d.Name)
	}
	wantRoles := []string{
		"source-ami arn:aws:ec2:eu-west-1::image/ami-0b0100000000000a1",
		"base-ami arn:aws:ec2:eu-west-1::image/ami-0deb1200000000001",
		"template build.pkr.hcl",
		"hardening-rules base",
		"hardening-rules cis-debian-12",
		"hardening-script scripts/motd.sh",
		"tool packer",
		"tool packer-plugin-golden",
	}
	if diff := cmp.Diff(wantRoles, roles); diff != "" {
		t.Errorf("resolvedDependencies (-want +got):\n%s", diff)
	}
}

func TestNotHardened(t *testing.T) {
	run := fixtureRun()
	run.Hardening = nil
	s, err := run.Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Summary().HardeningVerdict; got != NotHardened {
		t.Errorf("verdict without a report = %q, want %q", got, NotHardened)
	}
}

func TestStatementRejectsBadImage(t *testing.T) {
	img := fixtureImage()
	img.ImageID = "ami-XYZ"
	_, err := fixtureRun().Statement(img)
	if err == nil || !strings.Contains(err.Error(), `"ami-XYZ" is not an AMI id`) {
		t.Fatalf("err = %v, want one naming the bad AMI id", err)
	}
}
