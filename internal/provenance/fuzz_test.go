package provenance

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseEnvelope: parsing never panics, what parses re-parses the same,
// and nothing but the known-answer payload verifies with its key.
func FuzzParseEnvelope(f *testing.F) {
	valid, err := os.ReadFile("testdata/kat/envelope.json")
	if err != nil {
		f.Fatal(err)
	}
	payload, err := os.ReadFile("testdata/kat/payload.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AA=="}]}`))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30","signatures":[{"sig":"AA-_"}]} `))
	f.Add([]byte(`null`))
	key := publicKey(f, readPublicKey(f, "testdata/kat/public.pem"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		again, err := MarshalEnvelope(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := ParseEnvelope(again)
		if err != nil {
			t.Fatalf("re-parsing what parsed: %v", err)
		}
		if diff := cmp.Diff(e, e2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		if _, err := VerifyAndDecode(context.Background(), e, key); err == nil {
			if got, _ := e.DecodeB64Payload(); !bytes.Equal(got, payload) {
				t.Fatalf("a payload other than the signed one verified:\n%s", got)
			}
		}
	})
}

// FuzzDecodeStatement: decoding never panics, and every statement it accepts
// re-encodes into one that it and the in-toto bindings accept.
func FuzzDecodeStatement(f *testing.F) {
	payload, err := os.ReadFile("testdata/kat/payload.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload)
	s, err := minimalRun().Statement(fixtureImage())
	if err != nil {
		f.Fatal(err)
	}
	minimal, _ := MarshalStatement(s)
	f.Add(minimal)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeStatement(data)
		if err != nil {
			return
		}
		again, err := MarshalStatement(s)
		if err != nil {
			t.Fatalf("re-encoding an accepted statement: %v", err)
		}
		s2, err := DecodeStatement(again)
		if err != nil {
			t.Fatalf("decoding a re-encoded statement: %v", err)
		}
		if diff := cmp.Diff(s, s2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		if err := validateWithBindings(again); err != nil {
			t.Fatalf("accepted, but the in-toto bindings reject it: %v\n%s", err, again)
		}
	})
}
