package awstest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// One call per service, to be failed by the proxy.
var calls = map[string]func(context.Context, aws.Config) error{
	"ec2": func(ctx context.Context, cfg aws.Config) error {
		_, err := ec2.NewFromConfig(cfg).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{awstest.SourceAMIID}})
		return err
	},
	"kms": func(ctx context.Context, cfg aws.Config) error {
		_, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{})
		return err
	},
	"ssm": func(ctx context.Context, cfg aws.Config) error {
		_, err := ssm.NewFromConfig(cfg).DescribeParameters(ctx, &ssm.DescribeParametersInput{})
		return err
	},
	"s3": func(ctx context.Context, cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg, awstest.S3PathStyle).ListBuckets(ctx, &s3.ListBucketsInput{})
		return err
	},
	"sts": func(ctx context.Context, cfg aws.Config) error {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	},
}

// Injected errors are AWS-shaped: the SDK reads the code from each protocol
// and retries exactly the retryable ones.
func TestFaultsAreAWSShaped(t *testing.T) {
	tests := []struct {
		service  string
		fault    awstest.Rule
		wantCode string
		retried  bool
	}{
		{"ec2", awstest.Rule{Fault: awstest.FaultThrottle}, "RequestLimitExceeded", true},
		{"ec2", awstest.Rule{Fault: awstest.FaultInternal}, "InternalError", true},
		{"ec2", awstest.Rule{Fault: awstest.FaultDenied}, "UnauthorizedOperation", false},
		{"ec2", awstest.Rule{Fault: awstest.FaultError, Code: "InvalidAMIID.NotFound"}, "InvalidAMIID.NotFound", false},
		{"kms", awstest.Rule{Fault: awstest.FaultThrottle}, "ThrottlingException", true},
		{"kms", awstest.Rule{Fault: awstest.FaultInternal}, "KMSInternalException", true},
		{"kms", awstest.Rule{Fault: awstest.FaultDenied}, "AccessDeniedException", false},
		{"ssm", awstest.Rule{Fault: awstest.FaultThrottle}, "ThrottlingException", true},
		{"ssm", awstest.Rule{Fault: awstest.FaultInternal}, "InternalServerError", true},
		{"s3", awstest.Rule{Fault: awstest.FaultThrottle}, "SlowDown", true},
		{"s3", awstest.Rule{Fault: awstest.FaultDenied}, "AccessDenied", false},
		{"sts", awstest.Rule{Fault: awstest.FaultThrottle}, "Throttling", true},
		{"sts", awstest.Rule{Fault: awstest.FaultDenied}, "AccessDenied", false},
	}
	for _, tt := range tests {
		t.Run(tt.service+" "+string(tt.fault.Fault)+" "+tt.wantCode, func(t *testing.T) {
			rig := awstest.Shared(t)
			rule := tt.fault
			rule.Service = tt.service
			if err := rig.Proxy().AddRule(rule); err != nil {
				t.Fatal(err)
			}
			err := calls[tt.service](t.Context(), rig.Config(dst))
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("SDK error %v, want code %s", err, tt.wantCode)
			}
			wantAttempts := 1
			if tt.retried {
				wantAttempts = awstest.MaxAttempts
			}
			logged := rig.Proxy().Calls()
			if len(logged) != wantAttempts {
				t.Fatalf("%d calls logged, want %d attempts", len(logged), wantAttempts)
			}
			if c := logged[0]; c.Service != tt.service || c.Region != dst || c.ErrorCode != tt.wantCode || c.Fault != tt.fault.Fault {
				t.Errorf("logged %+v, want %s in %s failed with %s by %s", c, tt.service, dst, tt.wantCode, tt.fault.Fault)
			}
		})
	}
}

// The SDK retries an injected RequestLimitExceeded, and the log shows both attempts.
func TestThrottleRetried(t *testing.T) {
	rig := awstest.Shared(t)
	if err := rig.Proxy().AddRule(awstest.Rule{Service: "ec2", Action: "DescribeImages", Region: dst, Fault: awstest.FaultThrottle, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if err := calls["ec2"](t.Context(), rig.Config(dst)); err != nil {
		t.Fatalf("DescribeImages after one throttle: %v", err)
	}
	type entry struct {
		Action    string
		Status    int
		ErrorCode string
		Fault     awstest.Fault
		ImageID   string
	}
	var got []entry
	for _, c := range rig.Proxy().Calls() {
		got = append(got, entry{c.Action, c.Status, c.ErrorCode, c.Fault, c.Params["ImageId.1"]})
	}
	want := []entry{
		{"DescribeImages", 503, "RequestLimitExceeded", awstest.FaultThrottle, awstest.SourceAMIID},
		{"DescribeImages", 200, "", "", awstest.SourceAMIID},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("call log (-want +got):\n%s", diff)
	}
}

// A reset connection is retried; a hung call ends with the caller's deadline
// and leaves the proxy serving; Delay adds latency.
func TestResetHangDelay(t *testing.T) {
	rig := awstest.Shared(t)
	p := rig.Proxy()
	if err := p.AddRule(
		awstest.Rule{Service: "sts", Fault: awstest.FaultReset, Times: 1},
		awstest.Rule{Service: "kms", Fault: awstest.FaultHang, Times: 1},
		awstest.Rule{Service: "ssm", Delay: 200 * time.Millisecond},
	); err != nil {
		t.Fatal(err)
	}
	if err := calls["sts"](t.Context(), rig.Config(dst)); err != nil {
		t.Errorf("GetCallerIdentity after a reset: %v, want it retried", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := calls["kms"](ctx, rig.Config(dst)); err == nil || ctx.Err() == nil {
		t.Errorf("ListKeys on a hung call: %v, want the caller's deadline", err)
	}
	if err := calls["kms"](t.Context(), rig.Config(dst)); err != nil {
		t.Errorf("ListKeys after the hang: %v", err)
	}
	if err := calls["ssm"](t.Context(), rig.Config(dst)); err != nil {
		t.Errorf("DescribeParameters with delay: %v", err)
	}
	var faults []string
	for _, c := range p.Calls() {
		faults = append(faults, c.Service+":"+string(c.Fault))
		if c.Service == "ssm" && (c.Delay != 200*time.Millisecond || c.Duration < c.Delay) {
			t.Errorf("delayed call logged delay %v duration %v, want 200ms and more", c.Delay, c.Duration)
		}
	}
	want := []string{"sts:reset", "sts:", "kms:hang", "kms:", "ssm:"}
	if diff := cmp.Diff(want, faults); diff != "" {
		t.Errorf("faults in the call log (-want +got):\n%s", diff)
	}
}

// Rules with a Probability fire the same calls for the same seed; After/For
// bound when a rule fires; Times bounds how often.
func TestRuleSchedule(t *testing.T) {
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer moto.Close()
	fired := func(seed uint64, rule awstest.Rule, n int, gap time.Duration) string {
		p, err := awstest.NewProxy(moto.URL, seed)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.AddRule(rule); err != nil {
			t.Fatal(err)
		}
		var pattern strings.Builder
		for range n {
			r := httptest.NewRequest("POST", "/", strings.NewReader("Action=DescribeImages"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/ec2/aws4_request, Signature=0")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			p.ServeHTTP(w, r)
			pattern.WriteString(map[bool]string{true: "x", false: "."}[w.Code == http.StatusServiceUnavailable])
			time.Sleep(gap)
		}
		return pattern.String()
	}
	half := awstest.Rule{Fault: awstest.FaultThrottle, Probability: 0.5}
	a, b, c := fired(7, half, 40, 0), fired(7, half, 40, 0), fired(8, half, 40, 0)
	if a != b {
		t.Errorf("same seed, other faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 fired alike: %s", a)
	}
	if n := strings.Count(a, "x"); n < 10 || n > 30 {
		t.Errorf("probability 0.5 fired %d of 40: %s", n, a)
	}
	if got := fired(1, awstest.Rule{Fault: awstest.FaultThrottle, Times: 2}, 4, 0); got != "xx.." {
		t.Errorf("times 2 fired %s, want xx..", got)
	}
	window := awstest.Rule{Fault: awstest.FaultThrottle, After: 150 * time.Millisecond, For: 200 * time.Millisecond}
	if got := fired(1, window, 5, 100*time.Millisecond); got != "..xx." {
		t.Errorf("window 150ms..350ms over calls 100ms apart fired %s, want ..xx.", got)
	}
}

// Rules and the call log over HTTP, for a rig started by `rig aws`.
func TestControlOverHTTP(t *testing.T) {
	rig := awstest.Shared(t)
	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), method, rig.Endpoint()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	rule := `{"service":"ec2","action":"DescribeImages","fault":"throttle","delay":"10ms","times":1}`
	if status, body := do("POST", "/_proxy/rules", rule); status != http.StatusOK {
		t.Fatalf("POST rule: %d %s", status, body)
	}
	want := []awstest.Rule{{Service: "ec2", Action: "DescribeImages", Fault: awstest.FaultThrottle, Delay: 10 * time.Millisecond, Times: 1}}
	if diff := cmp.Diff(want, rig.Proxy().Rules()); diff != "" {
		t.Errorf("rules after POST (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"fault":"explode"}`, `{"delay":"soon"}`, `{"srevice":"ec2"}`} {
		if status, body := do("POST", "/_proxy/rules", bad); status != http.StatusBadRequest || !strings.Contains(body, "error") {
			t.Errorf("POST %s: %d %s, want 400 with an error", bad, status, body)
		}
	}
	if err := calls["ec2"](t.Context(), rig.Config(dst)); err != nil {
		t.Fatal(err)
	}
	status, body := do("GET", "/_proxy/calls", "")
	var logged []map[string]any
	if err := json.Unmarshal([]byte(body), &logged); status != http.StatusOK || err != nil || len(logged) != 2 {
		t.Fatalf("GET calls: %d %v %s", status, err, body)
	}
	if logged[0]["fault"] != "throttle" || logged[0]["delay"] != "10ms" || logged[0]["error_code"] != "RequestLimitExceeded" {
		t.Errorf("first logged call %v, want the throttle with its delay", logged[0])
	}
	do("DELETE", "/_proxy/rules", "")
	do("DELETE", "/_proxy/calls", "")
	if len(rig.Proxy().Rules()) != 0 || len(rig.Proxy().Calls()) != 0 {
		t.Error("DELETE left rules or calls")
	}
}

// S3 works through the proxy path-style; the log names bucket and key but
// never a secret (object bodies, SSM values, KMS plaintext, user data).
func TestCallLogKeepsNoSecrets(t *testing.T) {
	rig := awstest.Shared(t)
	ctx, cfg := t.Context(), rig.Config(dst)
	const secret = "hunter2-secret"
	s3c := s3.NewFromConfig(cfg, awstest.S3PathStyle)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("provenance"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(dst)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("provenance"), Key: aws.String("ami/envelope.json"), Body: strings.NewReader(secret)}); err != nil {
		t.Fatal(err)
	}
	got, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("provenance"), Key: aws.String("ami/envelope.json")})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(got.Body); string(b) != secret {
		t.Errorf("GetObject returned %q", b)
	}
	if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/golden/p"), Value: aws.String(secret), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kms.NewFromConfig(cfg).Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte(secret)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(awstest.SourceAMIID),
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro, UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(secret)))}); err != nil {
		t.Fatal(err)
	}
	var s3Calls []string
	for _, c := range rig.Proxy().Calls() {
		if c.Service == "s3" {
			s3Calls = append(s3Calls, c.Action+" "+c.Params["Bucket"]+" "+c.Params["Key"])
		}
	}
	wantS3 := []string{"CreateBucket provenance ", "PutObject provenance ami/envelope.json", "GetObject provenance ami/envelope.json"}
	if diff := cmp.Diff(wantS3, s3Calls); diff != "" {
		t.Errorf("S3 calls (-want +got):\n%s", diff)
	}
	logJSON, err := json.Marshal(rig.Proxy().Calls())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(logJSON, []byte(secret)) || bytes.Contains(logJSON, []byte("aHVudGVy")) {
		t.Errorf("the call log holds a secret:\n%s", logJSON)
	}
}
