//go:build unix

package provenance

import (
	"context"
	"syscall"
	"testing"
	"time"
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
	cpu0 := cpuTime(b)
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
	// Per CPU second, not per wall second: the machines this runs on are
	// shared, and issue 9 asks for envelopes per second per core.
	b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu0).Seconds(), "envelopes/cpu-s")
}

// cpuTime is the CPU time this process has used so far, GC included.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
