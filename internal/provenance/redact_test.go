package provenance

import (
	"strings"
	"testing"
)

// TestNoSecretInRecord plants marker values wherever a secret could come in
// and checks that none reaches the signed payload.
func TestNoSecretInRecord(t *testing.T) {
	const (
		sensitiveValue = "MARKER-sensitive-var"
		accessKey      = "AKIAMARKER0000000000"
		secretKey      = "MARKER-secret-access-key"
		sessionToken   = "MARKER-session-token"
		unlistedEnv    = "MARKER-unlisted-env"
	)
	run := fixtureRun()
	run.Variables = map[string]string{"password": sensitiveValue, "region": "eu-west-1", "note": "pw=" + sensitiveValue}
	run.Sensitive = []string{"password"}
	run.Secrets = []string{accessKey, secretKey, sessionToken}
	run.Tags = map[string]string{"owner": "team", "leak": "key " + accessKey, "tok-" + sessionToken: "x"}
	run.Templates = []File{{Path: "templates/" + secretKey + ".pkr.hcl", SHA256: sha("t")}}
	run.BuildName = "build-" + sensitiveValue
	run.Source.Name = "debian " + sessionToken
	run.Hardening.Scripts = append(run.Hardening.Scripts, File{Path: "scripts/" + sensitiveValue + ".sh", SHA256: sha("s")})
	run.Runner = DetectRunner(mapEnv(map[string]string{
		"GITLAB_CI":             "true",
		"CI_SERVER_URL":         "https://gitlab.example.com",
		"CI_PROJECT_PATH":       "acme/images",
		"CI_JOB_URL":            "https://gitlab.example.com/acme/images/-/jobs/1?token=" + secretKey,
		"CI_JOB_TOKEN":          unlistedEnv,
		"AWS_SECRET_ACCESS_KEY": secretKey,
		"AWS_SESSION_TOKEN":     sessionToken,
		"MY_PASSWORD":           unlistedEnv,
	}), "host")

	s, err := run.Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := MarshalStatement(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{sensitiveValue, accessKey, secretKey, sessionToken, unlistedEnv, "MARKER"} {
		if strings.Contains(string(payload), marker) {
			t.Errorf("the record contains %q:\n%s", marker, payload)
		}
	}
	if got := s.Predicate.BuildDefinition.ExternalParameters.Variables["password"]; got != Redacted {
		t.Errorf("sensitive variable recorded as %q, want %q", got, Redacted)
	}
	if got := s.Predicate.BuildDefinition.ExternalParameters.Variables["region"]; got != "eu-west-1" {
		t.Errorf("plain variable recorded as %q, want it as is", got)
	}
	if _, ok := s.Predicate.BuildDefinition.InternalParameters.Env["CI_JOB_TOKEN"]; ok {
		t.Error("CI_JOB_TOKEN is not on the allow list but was recorded")
	}
}

func TestRedactorPrefersLongestSecret(t *testing.T) {
	r := newRedactor([]string{"abc", "abcdef", ""})
	if got := r.str("xabcdefy abc"); got != "x"+Redacted+"y "+Redacted {
		t.Errorf("got %q", got)
	}
}
