package attestore

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const digest = "8e58f60b6dd944a5b0af3258dffd5cdf57ce1dca474995512b39f612360d80bf"

func tagMap(tags []Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func TestPointerTags(t *testing.T) {
	p := Pointer{
		Locations: []Location{
			{Kind: S3, Region: "eu-west-1", Bucket: "golden-provenance", Name: "golden/eu-west-1/ami-0123456789abcdef0.intoto.json"},
			{Kind: SSM, Region: "eu-west-1", Name: "/golden/provenance/eu-west-1/ami-0123456789abcdef0"},
		},
		SHA256: digest,
	}
	tags, err := p.Tags()
	if err != nil {
		t.Fatal(err)
	}
	want := []Tag{
		{TagLocation, "s3://golden-provenance/golden/eu-west-1/ami-0123456789abcdef0.intoto.json?region=eu-west-1 " +
			"ssm:///golden/provenance/eu-west-1/ami-0123456789abcdef0?region=eu-west-1"},
		{TagSHA256, digest},
	}
	if diff := cmp.Diff(want, tags); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	back, err := ParsePointer(tagMap(tags))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestLongLocation: a location longer than a tag value continues in more tags.
func TestLongLocation(t *testing.T) {
	long := Location{Kind: S3, Region: "eu-west-1", Bucket: "golden-provenance", Name: strings.Repeat("deep/", 120) + "ami-0123456789abcdef0.intoto.json"}
	p := Pointer{Locations: []Location{long}, SHA256: digest}
	tags, err := p.Tags()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tag := range tags {
		keys = append(keys, tag.Key)
		if len(tag.Value) > 256 {
			t.Errorf("tag %s holds %d characters, more than AWS allows", tag.Key, len(tag.Value))
		}
	}
	if diff := cmp.Diff([]string{"golden:provenance", "golden:provenance-2", "golden:provenance-3", "golden:provenance-sha256"}, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	back, err := ParsePointer(tagMap(tags))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	m := tagMap(tags)
	delete(m, "golden:provenance-2")
	if _, err := ParsePointer(m); err == nil || !strings.Contains(err.Error(), "golden:provenance-2 is missing but golden:provenance-3 is there") {
		t.Errorf("missing middle tag: %v", err)
	}
	tooLong := Pointer{Locations: []Location{long, long, long}, SHA256: digest}
	if _, err := tooLong.Tags(); err == nil || !strings.Contains(err.Error(), "shorten s3_prefix") {
		t.Errorf("too long: %v", err)
	}
}

func TestParsePointerRejects(t *testing.T) {
	loc := "s3://golden-provenance/k?region=eu-west-1"
	tests := map[string]struct {
		tags map[string]string
		want string
	}{
		"none":        {map[string]string{"Name": "x"}, "no golden:provenance tag"},
		"no sha":      {map[string]string{TagLocation: loc}, "golden:provenance-sha256 is missing"},
		"bad sha":     {map[string]string{TagLocation: loc, TagSHA256: "abc"}, "not a lowercase hex sha256"},
		"upper sha":   {map[string]string{TagLocation: loc, TagSHA256: strings.ToUpper(digest)}, "not a lowercase hex sha256"},
		"empty":       {map[string]string{TagLocation: " ", TagSHA256: digest}, "is empty"},
		"bad uri":     {map[string]string{TagLocation: "http://x/y", TagSHA256: digest}, "scheme must be"},
		"one bad uri": {map[string]string{TagLocation: loc + " ssm:///aws/x?region=eu-west-1", TagSHA256: digest}, "reserved"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePointer(tt.tags)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := ParsePointer(nil); !errors.Is(err, ErrNoPointer) {
		t.Errorf("no tags: %v, want ErrNoPointer", err)
	}
}

func FuzzParsePointer(f *testing.F) {
	f.Add("s3://golden-provenance/k?region=eu-west-1", "", digest)
	f.Add("s3://golden-provenance/"+strings.Repeat("a", 240), "bc?region=eu-west-1 file:///x", digest)
	f.Fuzz(func(t *testing.T, first, second, sha string) {
		tags := map[string]string{TagLocation: first, TagSHA256: sha}
		if second != "" {
			tags[TagLocation+"-2"] = second
		}
		p, err := ParsePointer(tags)
		if err != nil {
			return
		}
		again, err := p.Tags()
		if err != nil {
			return // a parsed pointer may be too long to write again only if it came in longer than allowed
		}
		back, err := ParsePointer(tagMap(again))
		if err != nil {
			t.Fatalf("pointer %+v wrote tags that do not parse: %v", p, err)
		}
		if diff := cmp.Diff(p, back); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
