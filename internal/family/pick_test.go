package family

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	keyA = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
	keyB = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
)

// img is a sealed image of family "debian" created daysAgo, encrypted with keyA.
func img(id string, daysAgo int, edits ...func(*Image)) Image {
	i := Image{
		Region: "eu-west-1", ID: id, Name: "debian-" + id, OwnerID: "123456789012", State: "available",
		Created: now.Add(-time.Duration(daysAgo) * day),
		Tags:    map[string]string{Tag: "debian", "golden:seal-status": "sealed", "Environment": "prod"},
		Devices: []Device{{Name: "/dev/xvda", SnapshotID: "snap-" + id, Encrypted: true, KMSKeyARN: keyA}},
	}
	for _, e := range edits {
		e(&i)
	}
	return i
}

func proven(verdict string) Proof {
	return Proof{Provenance: &Provenance{BuilderID: "https://github.com/acme/images/actions", HardeningVerdict: verdict, KMSKeyARN: keyA}}
}

// fakeProver answers from a map and records what it was asked.
type fakeProver struct {
	proofs map[string]Proof
	err    error
	asked  []string
}

func (p *fakeProver) prove(_ context.Context, i Image) (Proof, error) {
	p.asked = append(p.asked, i.ID)
	if p.err != nil {
		return Proof{}, p.err
	}
	if pr, ok := p.proofs[i.ID]; ok {
		return pr, nil
	}
	return Proof{Rejected: i.ID + " has no golden:provenance tag"}, nil
}

func baseReq() Requirements {
	return Requirements{
		Now: now, Family: "debian", FamilyTags: map[string]string{"golden:seal-status": "sealed"},
		Provenance: true, Verdicts: mustVerdicts(">= warn"),
	}
}

func mustVerdicts(s string) Verdicts {
	v, err := ParseVerdicts(s)
	if err != nil {
		panic(err)
	}
	return v
}

// outcome is a Pick result in comparable form.
type outcome struct {
	Chosen   string
	Rejected []string // id: requirement
	Asked    []string // images whose provenance was verified
}

func TestPick(t *testing.T) {
	unencrypted := func(i *Image) { i.Devices[0].Encrypted, i.Devices[0].KMSKeyARN = false, "" }
	tests := []struct {
		name   string
		images []Image
		req    func(*Requirements)
		proofs map[string]Proof
		want   outcome
	}{
		{
			name:   "the newest trusted image wins; older ones are not checked",
			images: []Image{img("a", 30), img("b", 20), img("c", 10)},
			proofs: map[string]Proof{"a": proven("pass"), "b": proven("pass"), "c": proven("pass")},
			want:   outcome{Chosen: "c", Asked: []string{"c"}},
		},
		{
			name: "newer images each rejected for their first failure, newest first",
			images: []Image{
				img("old", 40),
				img("good", 30),
				img("tampered", 25),
				img("failed-hardening", 20),
				img("unencrypted", 15, unencrypted),
				img("deprecated", 10, func(i *Image) { i.DeprecatedAt = now.Add(-day) }),
				img("copying", 5, func(i *Image) { i.Tags["golden:seal-status"] = "copying" }),
				img("pending", 1, func(i *Image) { i.State = "pending" }),
			},
			proofs: map[string]Proof{
				"old": proven("pass"), "good": proven("warn"), "failed-hardening": proven("fail"),
				"tampered": {Rejected: "the envelope's sha256 differs from the tag"},
			},
			want: outcome{Chosen: "good", Asked: []string{"failed-hardening", "tampered", "good"}, Rejected: []string{
				"pending: available", "copying: family", "deprecated: include_deprecated", "unencrypted: encrypted",
				"failed-hardening: require_hardening_verdict", "tampered: require_provenance",
			}},
		},
		{
			name:   "a deprecation time in the future does not reject",
			images: []Image{img("a", 1, func(i *Image) { i.DeprecatedAt = now.Add(day) })},
			proofs: map[string]Proof{"a": proven("pass")},
			want:   outcome{Chosen: "a", Asked: []string{"a"}},
		},
		{
			name:   "include_deprecated accepts deprecated images",
			images: []Image{img("a", 1, func(i *Image) { i.DeprecatedAt = now.Add(-time.Hour) })},
			req:    func(r *Requirements) { r.IncludeDeprecated = true },
			proofs: map[string]Proof{"a": proven("pass")},
			want:   outcome{Chosen: "a", Asked: []string{"a"}},
		},
		{
			name:   "max_age and require_tags",
			images: []Image{img("old", 100), img("dev", 1, func(i *Image) { i.Tags["Environment"] = "dev" }), img("untagged", 2, func(i *Image) { delete(i.Tags, "Environment") })},
			req:    func(r *Requirements) { r.MaxAge = 90 * day; r.Tags = map[string]string{"Environment": "prod"} },
			proofs: map[string]Proof{"old": proven("pass")},
			want:   outcome{Rejected: []string{"dev: require_tags", "untagged: require_tags", "old: max_age"}},
		},
		{
			name:   "require_encrypted_with: visible keys checked before the provenance",
			images: []Image{img("a", 2), img("b", 1, func(i *Image) { i.Devices[0].KMSKeyARN = keyB })},
			req:    func(r *Requirements) { r.EncryptedWith = []string{keyA} },
			proofs: map[string]Proof{"a": proven("pass"), "b": proven("pass")},
			want:   outcome{Chosen: "a", Asked: []string{"a"}, Rejected: []string{"b: require_encrypted_with"}},
		},
		{
			name:   "require_encrypted_with: a key this account cannot see is taken from the verified record",
			images: []Image{img("a", 2, func(i *Image) { i.Devices[0].KMSKeyARN = "" }), img("b", 1, func(i *Image) { i.Devices[0].KMSKeyARN = "" })},
			req:    func(r *Requirements) { r.EncryptedWith = []string{keyA} },
			proofs: map[string]Proof{"a": proven("pass"), "b": {Provenance: &Provenance{HardeningVerdict: "pass", KMSKeyARN: keyB}}},
			want:   outcome{Chosen: "a", Asked: []string{"b", "a"}, Rejected: []string{"b: require_encrypted_with"}},
		},
		{
			name:   "require_encrypted_with without provenance cannot check a key it cannot see",
			images: []Image{img("a", 2, func(i *Image) { i.Devices[0].KMSKeyARN = "" })},
			req:    func(r *Requirements) { r.EncryptedWith = []string{keyA}; r.Provenance = false; r.Verdicts = Verdicts{} },
			want:   outcome{Rejected: []string{"a: require_encrypted_with"}},
		},
		{
			name:   "without provenance nothing is verified",
			images: []Image{img("a", 2), img("b", 1)},
			req:    func(r *Requirements) { r.Provenance = false; r.Verdicts = Verdicts{} },
			want:   outcome{Chosen: "b"},
		},
		{
			name:   "filters only: no family tags required",
			images: []Image{img("a", 2, func(i *Image) { i.Tags = map[string]string{} })},
			req:    func(r *Requirements) { r.Family, r.FamilyTags, r.Provenance, r.Verdicts = "", nil, false, Verdicts{} },
			want:   outcome{Chosen: "a"},
		},
		{
			name:   "another family's image",
			images: []Image{img("a", 2, func(i *Image) { i.Tags[Tag] = "ubuntu" })},
			want:   outcome{Rejected: []string{"a: family"}},
		},
		{
			name:   "no snapshot",
			images: []Image{img("a", 2, func(i *Image) { i.Devices = nil })},
			want:   outcome{Rejected: []string{"a: encrypted"}},
		},
		{
			name:   "same creation time: ordered by id",
			images: []Image{img("b", 1), img("a", 1), img("c", 1, func(i *Image) { i.Created = time.Time{} })},
			req:    func(r *Requirements) { r.Provenance = false; r.Verdicts = Verdicts{} },
			want:   outcome{Chosen: "a"},
		},
		{
			name:   "no candidate",
			images: nil,
			want:   outcome{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := baseReq()
			if tt.req != nil {
				tt.req(&req)
			}
			p := &fakeProver{proofs: tt.proofs}
			choice, err := Pick(t.Context(), tt.images, req, p.prove)
			got := outcome{Chosen: choice.Image.ID, Asked: p.asked}
			rejected := choice.Rejected
			var none *NoImageError
			switch {
			case errors.As(err, &none):
				rejected = none.Rejected
				if !errors.Is(err, ErrNoImage) {
					t.Errorf("the error does not wrap ErrNoImage")
				}
			case err != nil:
				t.Fatal(err)
			}
			for _, r := range rejected {
				got.Rejected = append(got.Rejected, r.Image.ID+": "+string(r.Requirement))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pick (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPickReasons(t *testing.T) {
	images := []Image{
		img("a", 3, func(i *Image) { i.Devices[0].KMSKeyARN = keyB }),
		img("b", 2, func(i *Image) { i.Tags["golden:seal-status"] = "copying" }),
		img("c", 1),
	}
	req := baseReq()
	req.EncryptedWith = []string{keyA}
	p := &fakeProver{proofs: map[string]Proof{"c": proven("fail")}}
	_, err := Pick(t.Context(), images, req, p.prove)
	want := `no image meets the requirements: 3 candidates, each rejected:
  c (debian-c, created 2026-02-28T12:00:00Z): require_hardening_verdict: hardening verdict "fail", want pass|warn
  b (debian-b, created 2026-02-27T12:00:00Z): family: tag golden:seal-status is "copying", want "sealed": the image is not (yet) complete
  a (debian-a, created 2026-02-26T12:00:00Z): require_encrypted_with: snapshot snap-a is encrypted with ` + keyB + `, not with ` + keyA
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	_, err = Pick(t.Context(), nil, req, p.prove)
	if err == nil || !strings.Contains(err.Error(), "there is no candidate") {
		t.Errorf("no candidate: %v", err)
	}
}

func TestPickProverFailure(t *testing.T) {
	boom := errors.New("AWS unreachable")
	p := &fakeProver{err: boom}
	_, err := Pick(t.Context(), []Image{img("a", 1)}, baseReq(), p.prove)
	if !errors.Is(err, boom) || errors.Is(err, ErrNoImage) {
		t.Errorf("Pick = %v, want the prover's failure, not a rejection", err)
	}
	if _, err := Pick(t.Context(), nil, baseReq(), nil); err == nil {
		t.Error("Pick with Provenance and no Prover succeeded")
	}
}
