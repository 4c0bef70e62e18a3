package provenance

import "testing"

// FuzzParseImageARN: statement subjects name AMIs by ARN; verify reads them back.
func FuzzParseImageARN(f *testing.F) {
	for _, s := range []string{"arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0", "arn:aws-cn:ec2:cn-north-1::image/ami-12345678",
		"arn:aws:ec2:cn-north-1::image/ami-12345678", "arn:aws:ec2:eu-west-1:123456789012:image/ami-12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		region, id, ok := ParseImageARN(arn)
		if !ok {
			return
		}
		again, err := ImageARN(region, id)
		if err != nil || again != arn {
			t.Fatalf("ParseImageARN(%q) = %q, %q; ImageARN gives %q, %v", arn, region, id, again, err)
		}
	})
}
