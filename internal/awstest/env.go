package awstest

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Dummy static credentials: moto accepts any.
const (
	AccessKeyID     = "testing"
	SecretAccessKey = "testing"
)

// MaxAttempts is the SDK attempts per call (AWS_MAX_ATTEMPTS): low, because
// calls moto lacks answer 500, which the SDK retries.
const MaxAttempts = 3

// Env is what a process needs to reach the rig and nothing else: the
// endpoint, dummy keys, no shared config or credentials files, no instance
// metadata. For a child process use ChildEnv, which also drops the caller's
// other AWS_ variables (a profile or a role would otherwise win).
func (r *Rig) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL=" + r.endpoint,
		"AWS_MAX_ATTEMPTS=" + strconv.Itoa(MaxAttempts),
		"AWS_RETRY_MODE=standard",
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
}

// ChildEnv is base (e.g. os.Environ()) without its AWS_ variables, plus Env:
// the environment of a child packer that must reach the rig only.
func (r *Rig) ChildEnv(base []string) []string {
	env := make([]string, 0, len(base)+len(r.Env()))
	for _, kv := range base {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, r.Env()...)
}

// Config is an aws.Config for the test's own clients in region, through the
// proxy, retrying MaxAttempts times with short backoffs and no retry quota so
// that injected throttling is retried quickly. For S3 add S3PathStyle.
func (r *Rig) Config(region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(r.endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = 100 * time.Millisecond
				o.RateLimiter = ratelimit.None
			})
		},
	}
}

// S3PathStyle addresses buckets in the path, as an S3 endpoint on 127.0.0.1 needs:
// s3.NewFromConfig(rig.Config(region), awstest.S3PathStyle).
func S3PathStyle(o *s3.Options) { o.UsePathStyle = true }
