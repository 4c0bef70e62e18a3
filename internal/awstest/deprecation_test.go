package awstest_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// EnableImageDeprecation sets DeprecationTime, rounded to the nearest minute;
// DisableImageDeprecation clears it; a time in the past is refused.
// Stock moto: fails (HTTP 500 NotImplementedError).
func TestImageDeprecation(t *testing.T) {
	rig := awstest.Shared(t)
	c := ec2.NewFromConfig(rig.Config(dst))
	out, err := c.CopyImage(t.Context(), copyInput())
	if err != nil {
		t.Fatal(err)
	}
	id := out.ImageId
	at := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"whole minute", at, at},
		{"rounds down", at.Add(29 * time.Second), at},
		{"rounds up", at.Add(31 * time.Second), at.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.EnableImageDeprecation(t.Context(), &ec2.EnableImageDeprecationInput{ImageId: id, DeprecateAt: aws.Time(tt.at)}); err != nil {
				t.Fatalf("EnableImageDeprecation: %v", err)
			}
			got := aws.ToString(describeImage(t, c, *id).DeprecationTime)
			if want := tt.want.Format("2006-01-02T15:04:05.000Z"); got != want {
				t.Errorf("DeprecationTime %q, want %q", got, want)
			}
		})
	}
	if _, err := c.DisableImageDeprecation(t.Context(), &ec2.DisableImageDeprecationInput{ImageId: id}); err != nil {
		t.Fatalf("DisableImageDeprecation: %v", err)
	}
	if got := describeImage(t, c, *id).DeprecationTime; got != nil {
		t.Errorf("DeprecationTime %q after DisableImageDeprecation, want none", *got)
	}
	past := aws.Time(time.Now().Add(-time.Hour))
	if _, err := c.EnableImageDeprecation(t.Context(), &ec2.EnableImageDeprecationInput{ImageId: id, DeprecateAt: past}); err == nil {
		t.Error("EnableImageDeprecation in the past succeeded, want an error")
	}
}
