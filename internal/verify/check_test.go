package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/goldenami/packer-plugin-golden/internal/attestore"
	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/kmssign"
	"github.com/goldenami/packer-plugin-golden/internal/provenance"
)

func TestVerified(t *testing.T) {
	w := newWorld(t)
	id := w.seal(t, "golden-debian-12-a", w.signer)
	res, err := w.checker(t).Image(t.Context(), region, id)
	if err != nil {
		t.Fatal(err)
	}
	img := w.describe(t, id)
	digest, _ := provenance.ImageDigest(ImageOf(region, img))
	keyID, _ := w.signer.KeyID()
	want := provenance.Summary{
		Image:            "arn:aws:ec2:eu-west-1::image/" + id,
		ImageDigest:      digest,
		KMSKeyID:         w.ebsKey,
		SourceImageID:    awstest.SourceAMIID,
		SourceName:       awstest.SourceAMIName,
		SourceOwnerID:    awstest.SourceAMIOwner,
		BuilderID:        "urn:golden:host:test-host",
		InvocationID:     "6f1c2a1e-93a4-4c5e-b8f5-8d1f0b5c2a10",
		StartedOn:        res.Summary.StartedOn,
		FinishedOn:       res.Summary.FinishedOn,
		HardeningVerdict: "pass",
		Regions:          []string{region},
	}
	if diff := cmp.Diff(want, res.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if !res.KMSKeyChecked || res.ImageName != "golden-debian-12-a" || len(res.KeyIDs) != 1 || res.KeyIDs[0] != keyID {
		t.Errorf("result %+v", res)
	}
	sum := sha256.Sum256(res.Envelope)
	if hex.EncodeToString(sum[:]) != res.EnvelopeSHA256 {
		t.Error("the result's envelope is not the one the tag names")
	}
}

// TestTampering: each way of tampering is rejected with its own reason.
func TestTampering(t *testing.T) {
	tests := []struct {
		name string
		// tamper changes the world after image "a" (and "b") were sealed and
		// returns the image to verify.
		tamper func(t *testing.T, w *world, a, b string) string
		trust  func(t *testing.T, w *world) dsse.Verifier
		want   error
		reason string
	}{
		{
			name: "payload byte changed",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				loc := w.pointer(t, a).Locations[0]
				w.putObject(t, loc, flipPayloadByte(t, w.getObject(t, loc)))
				return a
			},
			reason: "has sha256 ",
		},
		{
			name: "payload byte changed and the tag updated to match",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				p := w.pointer(t, a)
				b := flipPayloadByte(t, w.getObject(t, p.Locations[0]))
				w.putObject(t, p.Locations[0], b)
				w.retag(t, a, p, b)
				return a
			},
			want:   provenance.ErrSignature,
			reason: "no signature verifies with the trusted key",
		},
		{
			name: "envelope of another AMI swapped in",
			tamper: func(t *testing.T, w *world, a, b string) string {
				pa, pb := w.pointer(t, a), w.pointer(t, b)
				env := w.getObject(t, pb.Locations[0])
				w.putObject(t, pa.Locations[0], env)
				w.retag(t, a, pa, env)
				return a
			},
			want:   provenance.ErrSubjectMismatch,
			reason: "the record is for another image",
		},
		{
			name: "tag digest changed",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				p := w.pointer(t, a)
				p.SHA256 = strings.Repeat("0", 64)
				w.tag(t, a, p)
				return a
			},
			reason: "but the tag golden:provenance-sha256 says 0000",
		},
		{
			name: "key replaced",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				other := w.rig.CreateKey(t, region, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "")
				signer, err := kmssign.NewKMS(t.Context(), w.kms, other)
				if err != nil {
					t.Fatal(err)
				}
				env := w.envelope(t, w.describe(t, a), signer)
				p := w.pointer(t, a)
				w.putObject(t, p.Locations[0], env)
				w.retag(t, a, p, env)
				return a
			},
			want:   provenance.ErrSignature,
			reason: "no signature verifies with the trusted key",
		},
		{
			name:   "trusting another key",
			tamper: func(t *testing.T, w *world, a, _ string) string { return a },
			trust: func(t *testing.T, w *world) dsse.Verifier {
				other := w.rig.CreateKey(t, region, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "")
				v, err := kmssign.NewKMSVerifier(t.Context(), w.kms, other)
				if err != nil {
					t.Fatal(err)
				}
				return v
			},
			want:   provenance.ErrSignature,
			reason: "no signature verifies with the trusted key",
		},
		{
			name: "envelope missing",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				loc := w.pointer(t, a).Locations[0]
				if _, err := w.s3.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Name)}); err != nil {
					t.Fatal(err)
				}
				return a
			},
			reason: "the envelope is missing at s3://golden-provenance/golden/eu-west-1/",
		},
		{
			name: "AMI re-registered under the same name",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				tags := w.describe(t, a).Tags
				if _, err := w.ec2.DeregisterImage(t.Context(), &ec2.DeregisterImageInput{ImageId: aws.String(a)}); err != nil {
					t.Fatal(err)
				}
				again := aws.ToString(w.copyImage(t, "golden-debian-12-a").ImageId)
				if _, err := w.ec2.CreateTags(t.Context(), &ec2.CreateTagsInput{Resources: []string{again}, Tags: tags}); err != nil {
					t.Fatal(err)
				}
				return again
			},
			want:   provenance.ErrSubjectMismatch,
			reason: "the record is for another image: it names arn:aws:ec2:eu-west-1::image/ami-",
		},
		{
			name: "pointer tag removed",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				// Named keys: moto 5.2.1 ignores DeleteTags without Tags, which on AWS deletes them all.
				del := []ec2types.Tag{{Key: aws.String(attestore.TagLocation)}, {Key: aws.String(attestore.TagSHA256)}}
				if _, err := w.ec2.DeleteTags(t.Context(), &ec2.DeleteTagsInput{Resources: []string{a}, Tags: del}); err != nil {
					t.Fatal(err)
				}
				return a
			},
			reason: "has no golden:provenance tag: it was not sealed with provenance, or its tags were removed",
		},
		{
			name: "AMI deregistered",
			tamper: func(t *testing.T, w *world, a, _ string) string {
				if _, err := w.ec2.DeregisterImage(t.Context(), &ec2.DeregisterImageInput{ImageId: aws.String(a)}); err != nil {
					t.Fatal(err)
				}
				return a
			},
			reason: "not found in eu-west-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			a := w.seal(t, "golden-debian-12-a", w.signer)
			b := w.seal(t, "golden-debian-12-b", w.signer)
			target := tt.tamper(t, w, a, b)
			var trusted []dsse.Verifier
			if tt.trust != nil {
				trusted = append(trusted, tt.trust(t, w))
			}
			_, err := w.checker(t, trusted...).Image(t.Context(), region, target)
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("err = %v, want a rejection", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("err = %v, want the reason %q", err, tt.reason)
			}
		})
	}
}

// TestFallsBackToAnotherLocation: with two stores, a missing copy in the first
// is read from the second.
func TestFallsBackToAnotherLocation(t *testing.T) {
	w := newWorld(t)
	w.stores = append(w.stores, w.ssmStore(t))
	id := w.seal(t, "golden-debian-12-a", w.signer)
	p := w.pointer(t, id)
	if len(p.Locations) != 2 {
		t.Fatalf("locations %v", p.Locations)
	}
	if _, err := w.s3.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(p.Locations[0].Bucket), Key: aws.String(p.Locations[0].Name)}); err != nil {
		t.Fatal(err)
	}
	res, err := w.checker(t).Image(t.Context(), region, id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Location != p.Locations[1].String() {
		t.Errorf("read from %s, want %s", res.Location, p.Locations[1])
	}
}

// retag points a's tags at env's sha256.
func (w *world) retag(t *testing.T, a string, p attestore.Pointer, env []byte) {
	t.Helper()
	sum := sha256.Sum256(env)
	p.SHA256 = hex.EncodeToString(sum[:])
	w.tag(t, a, p)
}

// flipPayloadByte changes one byte of the statement inside an envelope.
func flipPayloadByte(t *testing.T, envelope []byte) []byte {
	t.Helper()
	var e dsse.Envelope
	if err := json.Unmarshal(envelope, &e); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	payload = bytes.Replace(payload, []byte(`"pass"`), []byte(`"pasS"`), 1)
	e.Payload = base64.StdEncoding.EncodeToString(payload)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
