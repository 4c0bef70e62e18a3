package awstest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeRules: the proxy's control surface takes rules from shells and scripts.
func FuzzDecodeRules(f *testing.F) {
	for _, s := range []string{`{"service":"ec2","action":"CopyImage","fault":"throttle","delay":"250ms","times":2}`,
		`[{"fault":"error","code":"X","status":503,"after":"1s","for":"10s","probability":0.5}]`, `[]`, `{"delay":"-1s"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rules, err := decodeRules(strings.NewReader(body))
		if err != nil {
			return
		}
		p, err := NewProxy("http://127.0.0.1:1", 1)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if p.SetRules(rules...) != nil {
			return
		}
		// what the proxy accepts, it lists as it was given
		if diff := cmp.Diff(rules, p.Rules()); len(rules) > 0 && diff != "" {
			t.Fatalf("rules (-given +listed):\n%s", diff)
		}
	})
}
