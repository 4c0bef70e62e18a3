package awsconfig

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
)

// request is what the fake endpoint saw of one call.
type request struct {
	Path      string
	Region    string // from the SigV4 scope
	AccessKey string
	Action    string
}

// fakeAWS records the calls it gets; it answers STS itself and everything else with status.
type fakeAWS struct {
	mu     sync.Mutex
	calls  []request
	status int
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	cred := between(r.Header.Get("Authorization"), "Credential=", ",")
	parts := strings.Split(cred, "/") // AKID/date/region/service/aws4_request
	req := request{Path: r.URL.Path, Action: r.Form.Get("Action")}
	if len(parts) == 5 {
		req.AccessKey, req.Region = parts[0], parts[2]
	}
	if req.Action == "" {
		req.Action = r.Header.Get("X-Amz-Target")
	}
	f.mu.Lock()
	f.calls = append(f.calls, req)
	f.mu.Unlock()
	switch req.Action {
	case "GetCallerIdentity":
		fmt.Fprintf(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/%s</Arn>
<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`, req.AccessKey)
	case "AssumeRole":
		fmt.Fprintf(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>
<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>
</Credentials><AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROA:%s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
			r.Form.Get("RoleArn"), r.Form.Get("RoleSessionName"))
	default:
		w.WriteHeader(f.status)
	}
}

func (f *fakeAWS) seen() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.calls...)
}

func between(s, start, end string) string {
	_, s, _ = strings.Cut(s, start)
	s, _, _ = strings.Cut(s, end)
	return s
}

// isolate points the standard chain at fake and at nothing else.
func isolate(t *testing.T, fake http.Handler) {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s",
		"AWS_PROFILE": "", "AWS_SESSION_TOKEN": "", "AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "",
		"AWS_MAX_ATTEMPTS": "", "AWS_RETRY_MODE": "",
	} {
		t.Setenv(k, v)
	}
}

func TestSessionReachesTheEndpointInEveryRegion(t *testing.T) {
	fake := &fakeAWS{status: http.StatusBadRequest}
	isolate(t, fake)
	ctx := t.Context()
	s, err := (&AccessConfig{}).Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Region() != "us-east-2" {
		t.Errorf("Region() = %q, want the chain's us-east-2", s.Region())
	}
	if first, again := s.EC2("eu-west-1"), s.EC2("eu-west-1"); first != again {
		t.Error("EC2(region) builds a new client per call: share one per region")
	}
	s.EC2("eu-west-1").DescribeImages(ctx, &ec2.DescribeImagesInput{})
	s.KMS("eu-central-1").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/x")})
	s.STS("ap-south-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	s.SSM("us-west-2").GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("p")})
	s.S3("sa-east-1").GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key")})
	want := []request{
		{Path: "/", Region: "eu-west-1", AccessKey: "AKIAENV", Action: "DescribeImages"},
		{Path: "/", Region: "eu-central-1", AccessKey: "AKIAENV", Action: "TrentService.DescribeKey"},
		{Path: "/", Region: "ap-south-1", AccessKey: "AKIAENV", Action: "GetCallerIdentity"},
		{Path: "/", Region: "us-west-2", AccessKey: "AKIAENV", Action: "AmazonSSM.GetParameter"},
		{Path: "/bucket/key", Region: "sa-east-1", AccessKey: "AKIAENV"}, // path-style
	}
	if diff := cmp.Diff(want, fake.seen()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestSessionRetries(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		env        string
		want       int
	}{
		{name: "default", want: DefaultMaxAttempts},
		{name: "AWS_MAX_ATTEMPTS", env: "2", want: 2},
		{name: "max_retries wins", maxRetries: 3, env: "2", want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAWS{status: http.StatusServiceUnavailable}
			isolate(t, fake)
			t.Setenv("AWS_MAX_ATTEMPTS", tt.env)
			s, err := (&AccessConfig{MaxRetries: tt.maxRetries}).Session(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			// fast backoff, so the default's ten attempts take no time
			_, err = s.EC2("eu-west-1").DescribeRegions(t.Context(), &ec2.DescribeRegionsInput{}, func(o *ec2.Options) {
				o.Retryer = retryerWithoutBackoff{o.Retryer}
			})
			if err == nil {
				t.Fatal("DescribeRegions against a 503 succeeded")
			}
			if got := len(fake.seen()); got != tt.want {
				t.Errorf("attempts = %d, want %d", got, tt.want)
			}
		})
	}
}

type retryerWithoutBackoff struct{ aws.Retryer }

func (retryerWithoutBackoff) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

func TestSessionSettingsOverrideTheChain(t *testing.T) {
	fake := &fakeAWS{}
	isolate(t, fake)
	ctx := context.Background()
	c := AccessConfig{
		AccessKey: "AKIATEMPLATE", SecretKey: "s", Region: "eu-north-1", SkipMetadataAPICheck: true,
		AssumeRole: AssumeRoleConfig{RoleARN: "arn:aws:iam::123456789012:role/packer", SessionName: "ci"},
	}
	s, err := c.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.STS(s.Region()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:iam::123456789012:user/ASIAROLE" {
		t.Errorf("caller = %s, want the assumed role's credentials", got)
	}
	want := []request{
		{Path: "/", Region: "eu-north-1", AccessKey: "AKIATEMPLATE", Action: "AssumeRole"},
		{Path: "/", Region: "eu-north-1", AccessKey: "ASIAROLE", Action: "GetCallerIdentity"},
	}
	if diff := cmp.Diff(want, fake.seen()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestRetryMode(t *testing.T) {
	for mode, adaptive := range map[string]bool{"": false, "standard": false, "adaptive": true} {
		isolate(t, &fakeAWS{})
		t.Setenv("AWS_RETRY_MODE", mode)
		s, err := (&AccessConfig{}).Session(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		_, got := s.Config().Retryer().(*retry.AdaptiveMode)
		if got != adaptive {
			t.Errorf("AWS_RETRY_MODE=%q: adaptive %v, want %v", mode, got, adaptive)
		}
	}
}

func TestJitterBackoff(t *testing.T) {
	b := jitterBackoff{base: 250 * time.Millisecond, max: 20 * time.Second}
	for attempt, limit := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 4: 2 * time.Second, 8: 20 * time.Second, 100: 20 * time.Second} {
		for range 100 {
			if d, _ := b.BackoffDelay(attempt, nil); d < 0 || d > limit {
				t.Fatalf("attempt %d: waited %v, want at most %v", attempt, d, limit)
			}
		}
	}
}
