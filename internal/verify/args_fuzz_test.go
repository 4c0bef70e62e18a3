package verify

import (
	"io"
	"strings"
	"testing"
)

// FuzzParseArgs: the verify command's arguments, split on spaces.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"--region eu-west-1 --kms-key-id alias/golden ami-0123456789abcdef0",
		"ami-1 --region x --public-key k.pem", "--export-public-key out.pem --public-key k.pem --region eu-west-1", "-json", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		o, err := parseArgs(strings.Fields(line), io.Discard)
		if err != nil {
			return
		}
		if o.region == "" || (o.kmsKeyID == "" && o.pubKey == "") || (o.imageID == "" && o.exportKey == "") {
			t.Fatalf("parseArgs(%q) accepted %+v", line, o)
		}
	})
}
