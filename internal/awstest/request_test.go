package awstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sigv4(region, service string) string {
	return "AWS4-HMAC-SHA256 Credential=testing/20260101/" + region + "/" + service + "/aws4_request, SignedHeaders=host, Signature=00"
}

func TestParseRequest(t *testing.T) {
	form := "application/x-www-form-urlencoded; charset=utf-8"
	tests := []struct {
		name, method, target string
		headers              map[string]string
		body                 string
		want                 request
	}{
		{
			name: "ec2 query", method: "POST", target: "/",
			headers: map[string]string{"Authorization": sigv4("eu-west-1", "ec2"), "Content-Type": form},
			body: "Action=CopyImage&Version=2016-11-15&SourceImageId=ami-1&SourceRegion=us-east-1&Encrypted=true&KmsKeyId=alias%2Fgolden" +
				"&ClientToken=tok&Name=golden&TagSpecification.1.ResourceType=image&TagSpecification.1.Tag.1.Key=Name&UserData=c2VjcmV0",
			want: request{Service: "ec2", Region: "eu-west-1", Action: "CopyImage", Params: map[string]string{
				"SourceImageId": "ami-1", "SourceRegion": "us-east-1", "Encrypted": "true", "KmsKeyId": "alias/golden", "ClientToken": "tok",
				"Name": "golden", "TagSpecification.1.ResourceType": "image", "TagSpecification.1.Tag.1.Key": "Name"}},
		},
		{
			name: "kms json", method: "POST", target: "/",
			headers: map[string]string{"Authorization": sigv4("us-east-1", "kms"), "X-Amz-Target": "TrentService.Sign"},
			body:    `{"KeyId":"alias/sign","Message":"c2VjcmV0","MessageType":"DIGEST","SigningAlgorithm":"ECDSA_SHA_256"}`,
			want: request{Service: "kms", Region: "us-east-1", Action: "Sign", Params: map[string]string{
				"KeyId": "alias/sign", "MessageType": "DIGEST", "SigningAlgorithm": "ECDSA_SHA_256"}},
		},
		{
			name: "ssm json", method: "POST", target: "/",
			headers: map[string]string{"Authorization": sigv4("us-east-1", "ssm"), "X-Amz-Target": "AmazonSSM.PutParameter"},
			body:    `{"Name":"/golden/prov","Value":"secret","Type":"SecureString","Overwrite":true,"Tags":[{"Key":"a","Value":"b"}]}`,
			want: request{Service: "ssm", Region: "us-east-1", Action: "PutParameter", Params: map[string]string{
				"Name": "/golden/prov", "Type": "SecureString", "Overwrite": "true", "Tags": `[{"Key":"a","Value":"b"}]`}},
		},
		{
			name: "s3 put object", method: "PUT", target: "/bucket/dir/envelope.json",
			headers: map[string]string{"Authorization": sigv4("us-east-1", "s3")}, body: "secret",
			want: request{Service: "s3", Region: "us-east-1", Action: "PutObject", Params: map[string]string{"Bucket": "bucket", "Key": "dir/envelope.json"}},
		},
		{
			name: "s3 get object tagging", method: "GET", target: "/bucket/k?tagging",
			headers: map[string]string{"Authorization": sigv4("us-east-1", "s3")},
			want:    request{Service: "s3", Region: "us-east-1", Action: "GetObjectTagging", Params: map[string]string{"Bucket": "bucket", "Key": "k"}},
		},
		{
			name: "s3 create bucket", method: "PUT", target: "/bucket",
			headers: map[string]string{"Authorization": sigv4("eu-west-1", "s3")},
			want:    request{Service: "s3", Region: "eu-west-1", Action: "CreateBucket", Params: map[string]string{"Bucket": "bucket"}},
		},
		{
			name: "s3 list objects v2", method: "GET", target: "/bucket?list-type=2&prefix=a",
			headers: map[string]string{"Authorization": sigv4("eu-west-1", "s3")},
			want:    request{Service: "s3", Region: "eu-west-1", Action: "ListObjectsV2", Params: map[string]string{"Bucket": "bucket"}},
		},
		{
			name: "s3 presigned get", method: "GET",
			target: "/bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=testing%2F20260101%2Feu-west-1%2Fs3%2Faws4_request",
			want:   request{Service: "s3", Region: "eu-west-1", Action: "GetObject", Params: map[string]string{"Bucket": "bucket", "Key": "k"}},
		},
		{
			name: "sts query", method: "POST", target: "/",
			headers: map[string]string{"Authorization": sigv4("us-east-1", "sts"), "Content-Type": form},
			body:    "Action=GetCallerIdentity&Version=2011-06-15",
			want:    request{Service: "sts", Region: "us-east-1", Action: "GetCallerIdentity", Params: map[string]string{}},
		},
		{name: "unsigned", method: "POST", target: "/moto-api/reset", want: request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			got, err := parseRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseRequest (-want +got):\n%s", diff)
			}
			if tt.want.Service != "s3" && tt.body != "" {
				if body := readAll(t, r); body != tt.body {
					t.Errorf("body after parsing %q, want it restored to %q", body, tt.body)
				}
			}
		})
	}
}

func readAll(t *testing.T, r *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzParseRequest(f *testing.F) {
	f.Add("POST", "/", sigv4("eu-west-1", "ec2"), "", "Action=DescribeImages&ImageId.1=ami-1")
	f.Add("PUT", "/b/k", sigv4("eu-west-1", "s3"), "", "data")
	f.Add("POST", "/", sigv4("eu-west-1", "kms"), "TrentService.Sign", `{"KeyId":"k"}`)
	f.Fuzz(func(t *testing.T, method, target, auth, amzTarget, body string) {
		r, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Target", amzTarget)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		q, err := parseRequest(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Message", "Value", "Plaintext", "UserData"} {
			if _, ok := q.Params[secret]; ok {
				t.Errorf("logged %s", secret)
			}
		}
	})
}
