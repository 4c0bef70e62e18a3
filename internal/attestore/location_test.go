package attestore

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocationRoundTrip(t *testing.T) {
	tests := []struct {
		uri string
		loc Location
	}{
		{"s3://golden-provenance/golden/eu-west-1/ami-0123456789abcdef0.intoto.json?region=eu-west-1",
			Location{Kind: S3, Region: "eu-west-1", Bucket: "golden-provenance", Name: "golden/eu-west-1/ami-0123456789abcdef0.intoto.json"}},
		{"s3://my.bucket-1/a%20b/c%3Fd%23e.json?region=us-east-1",
			Location{Kind: S3, Region: "us-east-1", Bucket: "my.bucket-1", Name: "a b/c?d#e.json"}},
		{"ssm:///golden/provenance/eu-west-1/ami-0123456789abcdef0?region=eu-west-1",
			Location{Kind: SSM, Region: "eu-west-1", Name: "/golden/provenance/eu-west-1/ami-0123456789abcdef0"}},
		{"file:///var/lib/golden/eu-west-1/ami-0123456789abcdef0.intoto.json",
			Location{Kind: File, Name: "/var/lib/golden/eu-west-1/ami-0123456789abcdef0.intoto.json"}},
		{"file:///tmp/with%20space/x.json", Location{Kind: File, Name: "/tmp/with space/x.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			got, err := ParseLocation(tt.uri)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.loc, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s := tt.loc.String(); s != tt.uri {
				t.Errorf("String() = %q, want %q", s, tt.uri)
			}
		})
	}
}

func TestParseLocationRejects(t *testing.T) {
	tests := map[string]string{
		"http://example.com/x":                      "scheme must be s3, ssm or file",
		"s3://Bucket/key?region=eu-west-1":          "not an S3 bucket name",
		"s3://ab/key?region=eu-west-1":              "not an S3 bucket name",
		"s3://bucket/?region=eu-west-1":             "S3 key",
		"s3://bucket/key":                           "needs ?region=REGION",
		"s3://bucket/key?region=eu-west-1&x=1":      "only one query parameter",
		"s3://bucket/key?region=eu-west-1&region=a": "only one query parameter",
		"s3://user@bucket/key?region=eu-west-1":     "unexpected user",
		"s3://bucket:80/key?region=eu-west-1":       "unexpected user, port",
		"s3://bucket/key?region=eu-west-1#frag":     "fragment",
		"ssm://eu-west-1/golden/x":                  "takes no host",
		"ssm:///golden/x":                           "needs ?region=REGION",
		"ssm:///aws/service/x?region=eu-west-1":     "reserved",
		"ssm:///golden/a b?region=eu-west-1":        "not an SSM parameter name",
		"ssm:///golden/x?region=Europe":             "needs ?region=REGION",
		"file://host/etc/x":                         "takes no host",
		"file:///etc/../x":                          "not a clean absolute path",
		"file:///x?region=eu-west-1":                "has no region",
		"file:relative":                             "write file://… or file:///…",
		"%":                                         "invalid URL escape",
	}
	for uri, want := range tests {
		if _, err := ParseLocation(uri); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLocation(%q) = %v, want an error containing %q", uri, err, want)
		}
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"s3://b-1/k?region=eu-west-1", "ssm:///a/b?region=us-east-1", "file:///tmp/x", "s3://bucket/a%20b?region=eu-west-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLocation(s)
		if err != nil {
			return
		}
		again, err := ParseLocation(l.String())
		if err != nil {
			t.Fatalf("%q parsed to %+v, whose String %q does not parse: %v", s, l, l.String(), err)
		}
		if again != l {
			t.Fatalf("round trip: %+v then %+v", l, again)
		}
		if strings.ContainsAny(l.String(), " \t\n") {
			t.Fatalf("String %q holds white space, which separates locations in the tag", l.String())
		}
	})
}
