package awsconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPrepare(t *testing.T) {
	tests := []struct {
		name string
		c    AccessConfig
		want []string // substrings, one per error
	}{
		{name: "empty uses the standard chain"},
		{name: "keys", c: AccessConfig{AccessKey: "AKIA", SecretKey: "s", Token: "t", Region: "eu-west-1"}},
		{name: "access key alone", c: AccessConfig{AccessKey: "AKIA"}, want: []string{"access_key and secret_key: set both"}},
		{name: "secret key alone", c: AccessConfig{SecretKey: "s"}, want: []string{"access_key and secret_key: set both"}},
		{name: "token alone", c: AccessConfig{Token: "t"}, want: []string{"token is set without access_key"}},
		{name: "bad region", c: AccessConfig{Region: "Europe"}, want: []string{`region "Europe" is not a region name`}},
		{name: "gov region", c: AccessConfig{Region: "us-gov-west-1"}},
		{name: "negative retries", c: AccessConfig{MaxRetries: -1}, want: []string{"max_retries is -1"}},
		{name: "polling", c: AccessConfig{Polling: &PollingConfig{DelaySeconds: -1, MaxAttempts: -2}},
			want: []string{"aws_polling.delay_seconds is -1", "aws_polling.max_attempts is -2"}},
		{name: "role", c: AccessConfig{AssumeRole: AssumeRoleConfig{RoleARN: "arn:aws:iam::123456789012:role/ci/packer", DurationSeconds: 900}}},
		{name: "role in China", c: AccessConfig{AssumeRole: AssumeRoleConfig{RoleARN: "arn:aws-cn:iam::123456789012:role/packer"}}},
		{name: "role without arn", c: AccessConfig{AssumeRole: AssumeRoleConfig{ExternalID: "x"}}, want: []string{"assume_role: role_arn is missing"}},
		{name: "role arn of a user", c: AccessConfig{AssumeRole: AssumeRoleConfig{RoleARN: "arn:aws:iam::123456789012:user/packer"}},
			want: []string{"is not an IAM role ARN"}},
		{name: "role duration", c: AccessConfig{AssumeRole: AssumeRoleConfig{RoleARN: "arn:aws:iam::123456789012:role/p", DurationSeconds: 60}},
			want: []string{"assume_role.duration_seconds is 60"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, err := range tt.c.Prepare() {
				got = append(got, err.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Prepare() = %q, want errors containing %q", got, tt.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestValidRegion(t *testing.T) {
	got := map[string]bool{}
	for _, r := range []string{"eu-west-1", "us-gov-east-1", "ap-southeast-4", "cn-north-1", "eu-west", "EU-WEST-1", "", "eu_west_1"} {
		got[r] = ValidRegion(r)
	}
	want := map[string]bool{"eu-west-1": true, "us-gov-east-1": true, "ap-southeast-4": true, "cn-north-1": true,
		"eu-west": false, "EU-WEST-1": false, "": false, "eu_west_1": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ValidRegion (-want +got):\n%s", diff)
	}
}

func TestValidOwner(t *testing.T) {
	for s, want := range map[string]bool{
		"123456789012": true, "self": true, "amazon": true, "aws-marketplace": true, "aws-backup-vault": true,
		"12345678901": false, "1234567890123": false, "Amazon": false, "": false, "microsoft": false, "self ": false,
	} {
		if got := ValidOwner(s); got != want {
			t.Errorf("ValidOwner(%q) = %v, want %v", s, got, want)
		}
	}
}
