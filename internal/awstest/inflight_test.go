package awstest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// Started shows a delayed call while it is in flight, before Calls does:
// tests act in that window (Ctrl-C at a phase).
func TestStartedShowsCallsInFlight(t *testing.T) {
	rig := awstest.Shared(t)
	p := rig.Proxy()
	if err := p.AddRule(awstest.Rule{Service: "sts", Delay: time.Second}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- calls["sts"](t.Context(), rig.Config(dst)) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(p.Started()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	started, finished := p.Started(), p.Calls()
	if len(started) != 1 || started[0].Action != "GetCallerIdentity" || started[0].Region != dst || len(finished) != 0 {
		t.Errorf("in flight: started %+v, calls %+v; want GetCallerIdentity started only", started, finished)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(p.Started()) != 1 || len(p.Calls()) != 1 {
		t.Errorf("after the call: %d started, %d calls, want 1 and 1", len(p.Started()), len(p.Calls()))
	}
	p.ClearCalls()
	if len(p.Started()) != 0 {
		t.Error("ClearCalls left started calls")
	}
}

// FaultLost forwards the call and loses the answer: CopyImage made its copy,
// and the SDK's retry with the same ClientToken names that copy, not another.
func TestLostAnswerTookEffect(t *testing.T) {
	rig := awstest.Shared(t)
	if err := rig.Proxy().AddRule(awstest.Rule{Service: "ec2", Action: "CopyImage", Fault: awstest.FaultLost, Times: 1}); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	out, err := c.CopyImage(t.Context(), copyInput(func(in *ec2.CopyImageInput) { in.ClientToken = aws.String("lost-answer") }))
	if err != nil {
		t.Fatalf("CopyImage after a lost answer: %v, want the SDK's retry to succeed", err)
	}
	logged := rig.Proxy().CallsTo("ec2", "CopyImage")
	if len(logged) != 2 || logged[0].Fault != awstest.FaultLost || logged[0].Status != http.StatusOK || logged[1].Fault != "" {
		t.Fatalf("CopyImage calls %+v, want a lost answer that moto served, then the retry", logged)
	}
	imgs, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs.Images) != 1 || aws.ToString(imgs.Images[0].ImageId) != aws.ToString(out.ImageId) {
		t.Errorf("images %v, want the one copy %s", imageIDs(imgs.Images), aws.ToString(out.ImageId))
	}
}

func imageIDs(imgs []ec2types.Image) []string {
	var ids []string
	for _, i := range imgs {
		ids = append(ids, aws.ToString(i.ImageId))
	}
	return ids
}

// The proxy keeps the client's Host header, which SigV4 signs: moto checks
// signatures when it enforces IAM.
func TestProxyKeepsHost(t *testing.T) {
	var got string
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Host }))
	defer moto.Close()
	p, err := awstest.NewProxy(moto.URL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := httptest.NewRequest("POST", "http://127.0.0.1:4566/", strings.NewReader("Action=DescribeImages"))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/ec2/aws4_request, Signature=0")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p.ServeHTTP(httptest.NewRecorder(), r)
	if got != "127.0.0.1:4566" {
		t.Errorf("moto saw Host %q, want the client's 127.0.0.1:4566", got)
	}
}
