package provenance

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from what the code writes now (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func fixtureImage() Image {
	return Image{
		Region:  "eu-west-1",
		ImageID: "ami-0123456789abcdef0",
		OwnerID: "123456789012",
		Name:    "golden-debian-12-20250101",
		BlockDevices: []BlockDevice{
			{DeviceName: "/dev/xvdb", SnapshotID: "snap-0bbbbbbbbbbbbbbbb", Encrypted: true},
			{DeviceName: "/dev/xvda", SnapshotID: "snap-0aaaaaaaaaaaaaaaa", Encrypted: true},
		},
	}
}

func fixtureRun() *Run {
	return &Run{
		BuildName:    "debian",
		InvocationID: "6f1c2a1e-93a4-4c5e-b8f5-8d1f0b5c2a10",
		StartedOn:    time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC),
		FinishedOn:   time.Date(2025, 1, 1, 10, 7, 30, 250_000_000, time.UTC),
		Templates:    []File{{Path: "build.pkr.hcl", SHA256: sha("template")}},
		Variables:    map[string]string{"env": "prod", "db_password": "hunter2-marker"},
		Sensitive:    []string{"db_password"},
		Secrets:      []string{"AKIAMARKERMARKER0000", "secret-key-marker"},
		Source: SourceImage{
			Region: "eu-west-1", ImageID: "ami-0b0100000000000a1", OwnerID: "123456789012",
			Name: "golden-debian-12-build-1735725600", CreationDate: "2025-01-01T10:05:00.000Z",
		},
		Base:      SourceImage{Region: "eu-west-1", ImageID: "ami-0deb1200000000001", OwnerID: "136693071363", Name: "debian-12-amd64-20250101-1980"},
		Regions:   []string{"us-east-1", "eu-west-1"},
		KMSKeyIDs: map[string]string{"eu-west-1": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "us-east-1": "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"},
		Tags:      map[string]string{"family": "debian-12", "team": "platform"},
		Hardening: &Hardening{
			ReportSHA256: sha("report"),
			Verdict:      "pass",
			RuleSets:     []File{{Path: "cis-debian-12", SHA256: sha("cis")}, {Path: "base", SHA256: sha("base")}},
			Scripts:      []File{{Path: "scripts/motd.sh", SHA256: sha("motd")}},
		},
		PackerVersion: "1.16.0",
		PluginVersion: "0.1.0",
		Runner: DetectRunner(mapEnv(map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/images",
			"GITHUB_WORKFLOW_REF": "acme/images/.github/workflows/golden.yml@refs/heads/main", "GITHUB_RUN_ID": "42",
			"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "AWS_SECRET_ACCESS_KEY": "secret-key-marker",
		}), "ci-host"),
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func mapEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// ecdsaKey is a test signer and verifier over sha256, as internal/kmssign's
// are, with its key id computed once, as kmssign.Verifier's is.
type ecdsaKey struct {
	priv *ecdsa.PrivateKey // nil for a verifier only
	pub  *ecdsa.PublicKey
	id   string
}

func newECDSAKey(t testing.TB) *ecdsaKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := publicKey(t, &priv.PublicKey)
	k.priv = priv
	return k
}

// publicKey is a verifier of pub.
func publicKey(t testing.TB, pub *ecdsa.PublicKey) *ecdsaKey {
	t.Helper()
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return &ecdsaKey{pub: pub, id: id}
}

func (k *ecdsaKey) Sign(_ context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return ecdsa.SignASN1(rand.Reader, k.priv, sum[:])
}

func (k *ecdsaKey) Verify(_ context.Context, data, sig []byte) error {
	sum := sha256.Sum256(data)
	if !ecdsa.VerifyASN1(k.pub, sum[:], sig) {
		return errors.New("bad signature")
	}
	return nil
}

func (k *ecdsaKey) KeyID() (string, error)   { return k.id, nil }
func (k *ecdsaKey) Public() crypto.PublicKey { return k.pub }
