package provenance

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

func signedFixture(t testing.TB, k *ecdsaKey) (*Statement, *dsse.Envelope) {
	t.Helper()
	s, err := fixtureRun().Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	e, err := Sign(context.Background(), s, k)
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := newECDSAKey(t)
	want, e := signedFixture(t, k)
	b, err := MarshalEnvelope(e)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyAndDecode(context.Background(), parsed, k)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := MarshalStatement(want)
	gotJSON, _ := MarshalStatement(got)
	if !bytes.Equal(wantJSON, gotJSON) {
		t.Errorf("decoded statement differs:\n%s\n%s", gotJSON, wantJSON)
	}
	keyID, _ := k.KeyID()
	if e.Signatures[0].KeyID != keyID || !strings.HasPrefix(keyID, "SHA256:") {
		t.Errorf("keyid %q, want the key's SHA256 fingerprint %q", e.Signatures[0].KeyID, keyID)
	}
	img := fixtureImage()
	arn, _ := ImageARN(img.Region, img.ImageID)
	digest, _ := ImageDigest(img)
	if err := got.CheckSubject(arn, digest); err != nil {
		t.Error(err)
	}
}

// TestKnownAnswer verifies a fixed envelope against a fixed public key: if
// this fails, records signed by earlier versions no longer verify.
func TestKnownAnswer(t *testing.T) {
	pub := readPublicKey(t, "testdata/kat/public.pem")
	data, err := os.ReadFile("testdata/kat/envelope.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := VerifyAndDecode(context.Background(), e, publicKey(t, pub))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := os.ReadFile("testdata/kat/payload.json")
	if got, _ := e.DecodeB64Payload(); !bytes.Equal(got, payload) {
		t.Error("the envelope's payload is not testdata/kat/payload.json")
	}
	if got := s.Summary().Image; got != "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0" {
		t.Errorf("subject %q", got)
	}
	tampered := *e
	tampered.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"pass"`), []byte(`"PASS"`), 1))
	if _, err := VerifyAndDecode(context.Background(), &tampered, publicKey(t, pub)); !errors.Is(err, ErrSignature) {
		t.Errorf("changed payload: err = %v, want ErrSignature", err)
	}
}

func readPublicKey(t testing.TB, path string) *ecdsa.PublicKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub.(*ecdsa.PublicKey)
}

func TestVerifyRejects(t *testing.T) {
	k := newECDSAKey(t)
	other := newECDSAKey(t)
	_, e := signedFixture(t, k)
	payload, _ := e.DecodeB64Payload()
	tests := []struct {
		name      string
		change    func(e *dsse.Envelope)
		verifiers []dsse.Verifier
		want      error
	}{
		{"payload byte changed", func(e *dsse.Envelope) {
			p := bytes.Clone(payload)
			p[len(p)/2] ^= 1
			e.Payload = base64.StdEncoding.EncodeToString(p)
		}, []dsse.Verifier{k}, ErrSignature},
		{"other key", func(*dsse.Envelope) {}, []dsse.Verifier{other}, ErrSignature},
		{"signature of another key, keyid kept", func(e *dsse.Envelope) {
			sig, _ := other.Sign(context.Background(), dsse.PAE(PayloadType, payload))
			e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
		}, []dsse.Verifier{k}, ErrSignature},
		{"payload type", func(e *dsse.Envelope) { e.PayloadType = "application/json" }, []dsse.Verifier{k}, ErrPayloadType},
		{"no signature", func(e *dsse.Envelope) { e.Signatures = nil }, []dsse.Verifier{k}, ErrNoSignature},
		{"many signatures", func(e *dsse.Envelope) {
			for range 16 {
				e.Signatures = append(e.Signatures, e.Signatures[0])
			}
		}, []dsse.Verifier{k}, ErrTooManySignatures},
		{"signed statement that is invalid", func(e *dsse.Envelope) {
			p := bytes.Replace(payload, []byte(BuildType), []byte("https://example.com/other"), 1)
			sig, _ := k.Sign(context.Background(), dsse.PAE(PayloadType, p))
			e.Payload = base64.StdEncoding.EncodeToString(p)
			e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
		}, []dsse.Verifier{k}, ErrBuildType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *e
			c.Signatures = append([]dsse.Signature(nil), e.Signatures...)
			tt.change(&c)
			_, err := VerifyAndDecode(context.Background(), &c, tt.verifiers...)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := VerifyAndDecode(context.Background(), e); err == nil {
		t.Error("verified without a trusted key")
	}
}

// keyless hides a verifier's key id, as a verifier without one does.
type keyless struct{ *ecdsaKey }

func (keyless) KeyID() (string, error) { return "", nil }

// VerifyAndDecode decides which signatures verify as dsse.EnvelopeVerifier
// does with a threshold of one, without its second decoding of the payload.
func TestSignedByAgreesWithDSSE(t *testing.T) {
	ctx := context.Background()
	k, other := newECDSAKey(t), newECDSAKey(t)
	_, e := signedFixture(t, k)
	payload, _ := e.DecodeB64Payload()
	good := e.Signatures[0]
	raw, _ := base64.StdEncoding.DecodeString(good.Sig)
	otherSig, _ := other.Sign(ctx, dsse.PAE(PayloadType, payload))
	byOther := dsse.Signature{KeyID: other.id, Sig: base64.StdEncoding.EncodeToString(otherSig)}
	tests := []struct {
		name      string
		sigs      []dsse.Signature
		verifiers []dsse.Verifier
		want      bool
	}{
		{"signed", []dsse.Signature{good}, []dsse.Verifier{k}, true},
		{"signed by another key", []dsse.Signature{byOther}, []dsse.Verifier{k}, false},
		{"another key's, then ours", []dsse.Signature{byOther, good}, []dsse.Verifier{k}, true},
		{"ours with another keyid", []dsse.Signature{{KeyID: other.id, Sig: good.Sig}}, []dsse.Verifier{k}, false},
		{"ours without keyid", []dsse.Signature{{Sig: good.Sig}}, []dsse.Verifier{k}, true},
		{"url-safe base64", []dsse.Signature{{KeyID: good.KeyID, Sig: base64.URLEncoding.EncodeToString(raw)}}, []dsse.Verifier{k}, true},
		{"ours, then one not base64", []dsse.Signature{good, {Sig: "%%"}}, []dsse.Verifier{k}, false},
		{"second of two keys", []dsse.Signature{good}, []dsse.Verifier{other, k}, true},
		{"key without key id", []dsse.Signature{good}, []dsse.Verifier{keyless{k}}, true},
		{"key without key id, another keyid", []dsse.Signature{{KeyID: other.id, Sig: good.Sig}}, []dsse.Verifier{keyless{k}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *e
			c.Signatures = tt.sigs
			ev, err := dsse.NewEnvelopeVerifier(tt.verifiers...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ev.Verify(ctx, &c)
			if got := signedBy(ctx, &c, payload, tt.verifiers); got != tt.want || got != (err == nil) {
				t.Errorf("signedBy = %v, want %v; dsse says %v (%v)", got, tt.want, err == nil, err)
			}
		})
	}
}

func TestParseEnvelopeRejects(t *testing.T) {
	valid, _ := os.ReadFile("testdata/kat/envelope.json")
	var m map[string]any
	if err := json.Unmarshal(valid, &m); err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) []byte {
		c := map[string]any{}
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = v
		b, _ := json.Marshal(c)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrEnvelopeSyntax},
		{"not json", []byte("hello"), ErrEnvelopeSyntax},
		{"trailing data", append(bytes.Clone(valid), []byte(" {}")...), ErrEnvelopeSyntax},
		{"array", []byte("[]"), ErrEnvelopeSyntax},
		{"too large", bytes.Repeat([]byte(" "), MaxEnvelopeSize+1), ErrEnvelopeTooLarge},
		{"payload type", with("payloadType", "text/plain"), ErrPayloadType},
		{"payload not base64", with("payload", "!!"), ErrEnvelopeSyntax},
		{"signatures missing", with("signatures", nil), ErrNoSignature},
		{"signature not base64", with("signatures", []map[string]string{{"keyid": "", "sig": "%%"}}), ErrEnvelopeSyntax},
		{"signature empty", with("signatures", []map[string]string{{"keyid": "", "sig": ""}}), ErrEnvelopeSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseEnvelope(tt.data); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckSubject(t *testing.T) {
	s, err := fixtureRun().Statement(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	img := fixtureImage()
	digest, _ := ImageDigest(img)
	if err := s.CheckSubject("arn:aws:ec2:eu-west-1::image/ami-0ffffffffffffffff", digest); !errors.Is(err, ErrSubjectMismatch) ||
		!strings.Contains(err.Error(), "names arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0, not arn:aws:ec2:eu-west-1::image/ami-0ffffffffffffffff") {
		t.Errorf("another image: %v", err)
	}
	img.BlockDevices[0].SnapshotID = "snap-0cccccccccccccccc"
	other, _ := ImageDigest(img)
	arn, _ := ImageARN(img.Region, img.ImageID)
	if err := s.CheckSubject(arn, other); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("changed image: %v", err)
	}
}
