package provenance

import (
	"context"
	"testing"
)

func BenchmarkStatement(b *testing.B) {
	run, img := fixtureRun(), fixtureImage()
	for b.Loop() {
		s, err := run.Statement(img)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := MarshalStatement(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignLocalECDSA(b *testing.B) {
	k := newECDSAKey(b)
	s, err := fixtureRun().Statement(fixtureImage())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e, err := Sign(context.Background(), s, k)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := MarshalEnvelope(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is what a verifier does per record once it has the bytes:
// parse the envelope, check the signature, decode and validate the statement,
// compare the subject with the recomputed image digest.
func BenchmarkVerify(b *testing.B) {
	k := newECDSAKey(b)
	_, e := signedFixture(b, k)
	data, err := MarshalEnvelope(e)
	if err != nil {
		b.Fatal(err)
	}
	img := fixtureImage()
	arn, _ := ImageARN(img.Region, img.ImageID)
	ctx := context.Background()
	for b.Loop() {
		e, err := ParseEnvelope(data)
		if err != nil {
			b.Fatal(err)
		}
		s, err := VerifyAndDecode(ctx, e, k)
		if err != nil {
			b.Fatal(err)
		}
		digest, err := ImageDigest(img)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.CheckSubject(arn, digest); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}
