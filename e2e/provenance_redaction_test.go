package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

// TestProvenanceRedaction plants marker values where a secret could come in (a
// sensitive variable, the AWS secret key and session token, a CI token and a
// variable off the allow list) in a seal signed with a local key into SSM and
// a directory, with PACKER_LOG=1, and checks that none reaches a record, a
// tag, a parameter or Packer's output and log.
func TestProvenanceRedaction(t *testing.T) {
	markers := map[string]string{
		"PKR_VAR_api_token":     "MARKER-sensitive-variable-value",
		"AWS_SECRET_ACCESS_KEY": "MARKER-aws-secret-access-key",
		"AWS_SESSION_TOKEN":     "MARKER-aws-session-token",
		"GITHUB_TOKEN":          "MARKER-github-token",
		"DB_PASSWORD":           "MARKER-unlisted-variable",
	}
	pr := newProvenanceRig(t)
	env := pr.vars("PKR_VAR_signing_key=", "PKR_VAR_s3_bucket=", "PKR_VAR_signing_key_file="+pemKey(t),
		"PACKER_LOG=1", "GITHUB_ACTIONS=true", "GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=acme/images",
		"GITHUB_WORKFLOW_REF=acme/images/.github/workflows/golden.yml@refs/heads/main", "GITHUB_RUN_ID=4242")
	for k, v := range markers {
		env = append(env, k+"="+v)
	}
	res := pr.build(t, env...)
	amis := sealedAMIs(t, res.Output)

	var texts []string // everything that must hold no marker
	texts = append(texts, res.Output)
	for _, region := range sealRegions {
		inv := take(t, pr.AWS, region)
		for id, img := range inv.Images {
			for _, tg := range img.Tags {
				texts = append(texts, id+" tag "+aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
			}
		}
		for id, s := range inv.Snapshots {
			for _, tg := range s.Tags {
				texts = append(texts, id+" tag "+aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
			}
		}
		params, err := ssm.NewFromConfig(pr.AWS.Config(region)).GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String(provenanceSSM), Recursive: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range params.Parameters {
			texts = append(texts, aws.ToString(p.Name)+" = "+aws.ToString(p.Value))
		}
		env := pr.stored(t, region, amis[region])
		payload := statementJSON(t, env)
		texts = append(texts, string(env), payload)

		st := statement(t, env)
		if got := st.Predicate.BuildDefinition.ExternalParameters.Variables["api_token"]; got != provenance.Redacted {
			t.Errorf("%s: variables.api_token = %q, want %q", region, got, provenance.Redacted)
		}
		want := &provenance.InternalParameters{CI: "github-actions", Env: map[string]string{
			"GITHUB_REPOSITORY": "acme/images", "GITHUB_RUN_ID": "4242", "GITHUB_SERVER_URL": "https://github.com",
			"GITHUB_WORKFLOW_REF": "acme/images/.github/workflows/golden.yml@refs/heads/main",
		}}
		if diff := cmp.Diff(want, st.Predicate.BuildDefinition.InternalParameters); diff != "" {
			t.Errorf("%s: internalParameters (-want +got):\n%s", region, diff)
		}
		if got := st.Predicate.RunDetails.Builder.ID; got != "https://github.com/acme/images/.github/workflows/golden.yml@refs/heads/main" {
			t.Errorf("%s: builder id %q", region, got)
		}
	}
	for name, m := range markers {
		for _, text := range texts {
			if i := strings.Index(text, m); i >= 0 {
				t.Errorf("the value of %s is out: …%s…", name, text[max(0, i-200):min(len(text), i+len(m)+50)])
				break
			}
		}
	}
	if !strings.Contains(res.Output, "[INFO] Packer version") {
		t.Error("no Packer log in the output: PACKER_LOG=1 did not take")
	}
}

// pemKey writes a new ECDSA P-256 private key as PEM and returns its path.
func pemKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// statementJSON is the envelope's payload as text.
func statementJSON(t *testing.T, envelope []byte) string {
	t.Helper()
	e, err := provenance.ParseEnvelope(envelope)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.DecodeB64Payload()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
