package awstest

import (
	"os"
	"strconv"
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

// Env is what a child process (packer, the aws CLI) needs to reach the rig and
// nothing else: the endpoint, dummy keys, no profile, no shared files, no
// instance metadata. Append it to os.Environ(); later entries win.
func (r *Rig) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL=" + r.endpoint,
		"AWS_MAX_ATTEMPTS=" + strconv.Itoa(MaxAttempts),
		"AWS_PROFILE=",
		"AWS_RETRY_MODE=standard",
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
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
