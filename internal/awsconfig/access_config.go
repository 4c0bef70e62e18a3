//go:generate go run github.com/goldenami/packer-plugin-golden/internal/cmd/structmarkdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type AccessConfig,AssumeRoleConfig,PollingConfig

// Package awsconfig turns the AWS access settings of a template into one
// aws.Config and builds every concrete AWS client of the plugin from it, so
// that AWS_ENDPOINT_URL, profiles, SSO, assume-role and the retryer reach
// every call.
package awsconfig

import (
	"fmt"
	"regexp"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// AccessConfig is how the plugin reaches AWS. Field names follow the amazon
// plugin's. Without keys, a profile or a role, the standard credential chain
// applies (environment, shared files, SSO, container and instance roles).
type AccessConfig struct {
	// The access key used to communicate with AWS. Prefer the standard
	// credential chain (environment, profile, SSO, instance role) over keys
	// written into a template.
	AccessKey string `mapstructure:"access_key" required:"false"`
	// The secret key that goes with `access_key`.
	SecretKey string `mapstructure:"secret_key" required:"false"`
	// The session token that goes with temporary `access_key` and
	// `secret_key`.
	Token string `mapstructure:"token" required:"false"`
	// The profile to use from the shared configuration and credentials
	// files.
	Profile string `mapstructure:"profile" required:"false"`
	// Path to a shared credentials file to read instead of the default
	// `~/.aws/credentials`.
	SharedCredentialsFile string `mapstructure:"shared_credentials_file" required:"false"`
	// The region to work from, such as `us-east-1`. Defaults to the region of
	// the standard chain (`AWS_REGION`, the profile).
	Region string `mapstructure:"region" required:"false"`
	// A role to assume with the credentials found above. See
	// [Assume role configuration](#assume-role-configuration).
	AssumeRole AssumeRoleConfig `mapstructure:"assume_role" required:"false"`
	// Skip the call to STS GetCallerIdentity that checks the credentials
	// before any change is made. Default `false`.
	SkipCredentialValidation bool `mapstructure:"skip_credential_validation" required:"false"`
	// Never ask the EC2 instance metadata service for credentials or the
	// region. Default `false`.
	SkipMetadataAPICheck bool `mapstructure:"skip_metadata_api_check" required:"false"`
	// The maximum number of times an API call is retried when AWS throttles
	// it or fails transiently, after jittered exponential waits of up to
	// 250ms, 500ms, 1s… 20s (`AWS_RETRY_MODE=adaptive` adds the SDK's
	// client-side rate limiting). Defaults to `AWS_MAX_ATTEMPTS` - 1 when that
	// is set, else 9.
	MaxRetries int `mapstructure:"max_retries" required:"false"`
	// [Polling configuration](#polling-configuration) for waiting on AWS
	// resources. Without it the wait adapts to the reported progress.
	Polling *PollingConfig `mapstructure:"aws_polling" required:"false"`
}

// AssumeRoleConfig is a role assumed with the credentials found by the
// standard chain or the access settings, before any other call.
type AssumeRoleConfig struct {
	// The ARN of the role to assume.
	RoleARN string `mapstructure:"role_arn" required:"false"`
	// The session duration in seconds, 900 to 43200. Default 3600.
	DurationSeconds int `mapstructure:"duration_seconds" required:"false"`
	// The external id the role's trust policy requires, if any.
	ExternalID string `mapstructure:"external_id" required:"false"`
	// An IAM policy (JSON) that further restricts the session.
	Policy string `mapstructure:"policy" required:"false"`
	// ARNs of managed IAM policies that further restrict the session.
	PolicyARNs []string `mapstructure:"policy_arns" required:"false"`
	// The session name, shown in CloudTrail. Default `packer-golden`.
	SessionName string `mapstructure:"session_name" required:"false"`
	// Session tags.
	Tags map[string]string `mapstructure:"tags" required:"false"`
	// Keys of session tags that carry over to chained roles.
	TransitiveTagKeys []string `mapstructure:"transitive_tag_keys" required:"false"`
}

// PollingConfig replaces the adaptive wait with a fixed one, as in the amazon
// plugin.
type PollingConfig struct {
	// Seconds between two checks of a resource's state.
	DelaySeconds int `mapstructure:"delay_seconds" required:"false"`
	// The most checks of one resource's state before giving up; 0 means until
	// the timeout.
	MaxAttempts int `mapstructure:"max_attempts" required:"false"`
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
)

// ValidRegion reports whether name has the shape of an AWS region name.
func ValidRegion(name string) bool { return regionPattern.MatchString(name) }

// Prepare checks the settings; it makes no call to AWS.
func (c *AccessConfig) Prepare() []error {
	var errs *packersdk.MultiError
	if (c.AccessKey == "") != (c.SecretKey == "") {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("access_key and secret_key: set both or neither (neither uses the standard credential chain)"))
	}
	if c.Token != "" && c.AccessKey == "" {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("token is set without access_key and secret_key: set all three, or none"))
	}
	if c.Region != "" && !ValidRegion(c.Region) {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("region %q is not a region name: use one such as eu-west-1", c.Region))
	}
	if c.MaxRetries < 0 {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("max_retries is %d: use 0 or more", c.MaxRetries))
	}
	for _, err := range c.AssumeRole.prepare() {
		errs = packersdk.MultiErrorAppend(errs, err)
	}
	if p := c.Polling; p != nil {
		if p.DelaySeconds < 0 {
			errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("aws_polling.delay_seconds is %d: use 0 (the default, 15) or more", p.DelaySeconds))
		}
		if p.MaxAttempts < 0 {
			errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("aws_polling.max_attempts is %d: use 0 (until the timeout) or more", p.MaxAttempts))
		}
	}
	if errs == nil {
		return nil
	}
	return errs.Errors
}

func (a *AssumeRoleConfig) prepare() []error {
	var errs []error
	if a.RoleARN == "" {
		if a.DurationSeconds != 0 || a.ExternalID != "" || a.Policy != "" || len(a.PolicyARNs) > 0 || a.SessionName != "" || len(a.Tags) > 0 || len(a.TransitiveTagKeys) > 0 {
			errs = append(errs, fmt.Errorf("assume_role: role_arn is missing: set it to the ARN of the role to assume, or remove the block"))
		}
		return errs
	}
	if !roleARNPattern.MatchString(a.RoleARN) {
		errs = append(errs, fmt.Errorf("assume_role.role_arn %q is not an IAM role ARN: use arn:aws:iam::ACCOUNT_ID:role/NAME", a.RoleARN))
	}
	if d := a.DurationSeconds; d != 0 && (d < 900 || d > 43200) {
		errs = append(errs, fmt.Errorf("assume_role.duration_seconds is %d: use 900 to 43200, or leave it out for 3600", d))
	}
	return errs
}
