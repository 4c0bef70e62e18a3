package verify

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/rigpath"
)

// cosignVersion is the cosign the GNUmakefile's cosign target builds.
const cosignVersion = "v3.0.2"

// findCosign returns the cosign that `make cosign` builds, failing the test
// (never skipping it) with how to get it.
func findCosign(t *testing.T) string {
	t.Helper()
	skipIfShort(t)
	cache, err := rigpath.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cache, "tools", "bin", "cosign")
	out, err := exec.Command(path, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("cosign %s is needed at %s to check that standard tools verify our envelopes: "+
			"run `make cosign` (builds it from its module source, about 5 minutes) or set GOLDEN_CACHE_DIR: %v", cosignVersion, path, err)
	}
	if !strings.Contains(string(out), cosignVersion) {
		t.Fatalf("%s is not cosign %s: run `make cosign`:\n%s", path, cosignVersion, out)
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed to run cosign without network: apt-get install util-linux")
	}
	return path
}

// cosignVerify runs cosign verify-blob-attestation in a network namespace of
// its own, so that it cannot reach Sigstore's servers.
func cosignVerify(t *testing.T, cosign, pub, envelope, digest string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--", cosign, "verify-blob-attestation",
		"--key", pub, "--signature", envelope, "--type", "slsaprovenance1",
		"--new-bundle-format=false", "--insecure-ignore-tlog=true",
		"--digest", digest, "--digestAlg", "sha256")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "SIGSTORE_NO_CACHE=true", "TUF_ROOT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCosignVerifiesOurEnvelope follows docs/provenance.md: export the KMS
// public key and the envelope with the verify command, then check both with cosign.
func TestCosignVerifiesOurEnvelope(t *testing.T) {
	cosign := findCosign(t)
	w := newWorld(t)
	id := w.seal(t, "golden-debian-12-a", w.signer)
	other := w.seal(t, "golden-debian-12-b", w.signer)
	dir := t.TempDir()
	pub, env := filepath.Join(dir, "golden.pub.pem"), filepath.Join(dir, "envelope.json")
	code, out, errOut := run(t, w, "--region", region, "--kms-key-id", "alias/golden-provenance",
		"--export-public-key", pub, "--save-envelope", env, "--json", id)
	if code != ExitVerified {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Provenance struct{ ImageDigest string } `json:"provenance"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	digest := res.Provenance.ImageDigest

	start := time.Now()
	if out, err := cosignVerify(t, cosign, pub, env, digest); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign rejects our envelope: %v\n%s", err, out)
	}
	t.Logf("cosign verified in %v", time.Since(start).Round(time.Millisecond))

	// cosign also rejects what our verifier rejects.
	otherDigest := func() string {
		_, out, _ := run(t, w, "--region", region, "--kms-key-id", "alias/golden-provenance", "--json", other)
		var r struct {
			Provenance struct{ ImageDigest string } `json:"provenance"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r.Provenance.ImageDigest
	}()
	tampered := filepath.Join(dir, "tampered.json")
	b, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, flipPayloadByte(t, b), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ env, digest, want string }{
		"another image's digest": {env, otherDigest, "no matching subject digest found"},
		"payload byte changed":   {tampered, digest, "signatures do not match threshold"},
	} {
		out, err := cosignVerify(t, cosign, pub, c.env, c.digest)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: cosign said %v, want a failure with %q:\n%s", name, err, c.want, out)
		}
	}
}
