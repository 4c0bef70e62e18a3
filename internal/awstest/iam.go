package awstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Credentials of the account's root as moto serves it when it does not enforce IAM.
var rootCredentials = aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}

// CreateUser creates an IAM user with an access key, calling IAM as caller
// (zero: the rig's dummy keys, which work until EnforceIAM), and returns the
// user's credentials.
func (r *Rig) CreateUser(ctx context.Context, caller aws.Credentials, name string) (aws.Credentials, error) {
	if _, err := r.iam(ctx, caller, url.Values{"Action": {"CreateUser"}, "UserName": {name}}); err != nil {
		return aws.Credentials{}, err
	}
	body, err := r.iam(ctx, caller, url.Values{"Action": {"CreateAccessKey"}, "UserName": {name}})
	if err != nil {
		return aws.Credentials{}, err
	}
	var out struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(body, &out); err != nil || out.ID == "" {
		return aws.Credentials{}, fmt.Errorf("reading the access key of %s: %v: %s", name, err, body)
	}
	return aws.Credentials{AccessKeyID: out.ID, SecretAccessKey: out.Secret}, nil
}

// PutUserPolicy sets the user's inline policy named name, calling IAM as caller.
func (r *Rig) PutUserPolicy(ctx context.Context, caller aws.Credentials, user, name, policy string) error {
	_, err := r.iam(ctx, caller, url.Values{"Action": {"PutUserPolicy"}, "UserName": {user}, "PolicyName": {name}, "PolicyDocument": {policy}})
	return err
}

// EnforceIAM makes moto authenticate and authorize every request from now
// on, as AWS does (moto's INITIAL_NO_AUTH_ACTION_COUNT, set at run time), with
// the launcher's patch that matches policies against each request's
// resources and conditions. The rig's dummy keys then fail: call as users
// made with CreateUser. It stops when the test ends, or at stop().
func (r *Rig) EnforceIAM(t testing.TB) (stop func()) {
	t.Helper()
	if err := r.motoPost(t.Context(), "/moto-api/reset-auth", "0"); err != nil {
		t.Fatalf("enforcing IAM in moto: %v", err)
	}
	stop = func() {
		if err := r.motoPost(context.WithoutCancel(t.Context()), "/moto-api/reset-auth", "inf"); err != nil {
			t.Errorf("ending IAM enforcement in moto: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// ConfigAs is Config(region) with other credentials.
func (r *Rig) ConfigAs(region string, creds aws.Credentials) aws.Config {
	cfg := r.Config(region)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")
	return cfg
}

// EnvAs is Env with other credentials, for a child process.
func (r *Rig) EnvAs(creds aws.Credentials) []string {
	env := r.Env()
	for i, kv := range env {
		switch {
		case strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID="):
			env[i] = "AWS_ACCESS_KEY_ID=" + creds.AccessKeyID
		case strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY="):
			env[i] = "AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey
		}
	}
	return env
}

// iam calls moto's IAM (a query API in us-east-1) through the proxy, signed as caller.
func (r *Rig) iam(ctx context.Context, caller aws.Credentials, params url.Values) ([]byte, error) {
	if caller.AccessKeyID == "" {
		caller = rootCredentials
	}
	params.Set("Version", "2010-05-08")
	body := params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint+"/", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, caller, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		return nil, fmt.Errorf("signing iam %s: %w", params.Get("Action"), err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("iam %s: %w", params.Get("Action"), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("iam %s: %w", params.Get("Action"), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("iam %s answered %s: %s", params.Get("Action"), resp.Status, b)
	}
	return b, nil
}
