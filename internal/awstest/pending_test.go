package awstest_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

// A copy stays pending for PendingPolls DescribeImages calls while its
// snapshot's Progress grows; the snapshot completes just before the image, as
// on AWS. Stock moto: fails (copies are available at once).
func TestCopyPendingForPolls(t *testing.T) {
	rig := awstest.Shared(t)
	if err := rig.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{PendingPolls: 2}); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	out, err := c.CopyImage(t.Context(), copyInput())
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		Image    ec2types.ImageState
		Snapshot ec2types.SnapshotState
		Progress string
	}
	var got []seen
	for range 3 {
		img := describeImage(t, c, aws.ToString(out.ImageId))
		snap := rootSnapshot(t, c, img)
		got = append(got, seen{img.State, snap.State, aws.ToString(snap.Progress)})
	}
	want := []seen{{"pending", "pending", "50%"}, {"pending", "completed", "100%"}, {"available", "completed", "100%"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("image and snapshot over three polls (-want +got):\n%s", diff)
	}
}

// A copy stays pending for Pending, Progress growing with elapsed time; a
// state=available filter finds it once it is.
func TestCopyPendingForTime(t *testing.T) {
	rig := awstest.Shared(t)
	const pending = 600 * time.Millisecond
	if err := rig.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{Pending: pending}); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	start := time.Now()
	out, err := c.CopyImage(t.Context(), copyInput())
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.ImageId)
	available := func() bool {
		res, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{
			Owners: []string{"self"}, Filters: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"available"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Images) == 1 && aws.ToString(res.Images[0].ImageId) == id
	}
	lastProgress := -1
	for time.Since(start) < pending-100*time.Millisecond {
		if available() {
			t.Fatalf("copy available after %v, want pending for %v", time.Since(start), pending)
		}
		snap := rootSnapshot(t, c, describeImage(t, c, id))
		progress, err := strconv.Atoi(strings.TrimSuffix(aws.ToString(snap.Progress), "%"))
		if err != nil || progress < lastProgress || progress > 99 || snap.State != ec2types.SnapshotStatePending {
			t.Fatalf("snapshot %s progress %q after %d%%, want pending and growing below 100%%", snap.State, aws.ToString(snap.Progress), lastProgress)
		}
		lastProgress = progress
		time.Sleep(100 * time.Millisecond)
	}
	if lastProgress < 30 {
		t.Errorf("progress reached %d%% near the end of the pending time, want it to grow with time", lastProgress)
	}
	time.Sleep(time.Until(start.Add(pending + 50*time.Millisecond)))
	if !available() {
		t.Errorf("copy not found by state=available after %v", time.Since(start))
	}
}

// The SDK's waiter sees copies complete, fail, or never finish. Stock moto:
// the failing and stuck cases fail (copies are available at once).
func TestCopyWaiter(t *testing.T) {
	tests := []struct {
		name    string
		b       awstest.CopyBehaviour
		wantErr string
	}{
		{"completes", awstest.CopyBehaviour{PendingPolls: 2}, ""},
		{"fails in region", awstest.CopyBehaviour{FailRegions: []string{dst}}, "waiter state transitioned to Failure"},
		{"stuck in region", awstest.CopyBehaviour{StuckRegions: []string{"ap-southeast-2", dst}}, "deadline exceeded"},
		{"other region fails", awstest.CopyBehaviour{FailRegions: []string{"ap-southeast-2"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := awstest.Shared(t)
			if err := rig.SetCopyBehaviour(t.Context(), tt.b); err != nil {
				t.Fatal(err)
			}
			c := ec2.NewFromConfig(rig.Config(dst))
			out, err := c.CopyImage(t.Context(), copyInput())
			if err != nil {
				t.Fatal(err)
			}
			w := ec2.NewImageAvailableWaiter(c, func(o *ec2.ImageAvailableWaiterOptions) {
				o.MinDelay, o.MaxDelay = 10*time.Millisecond, 20*time.Millisecond
			})
			err = w.Wait(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(out.ImageId)}}, 500*time.Millisecond)
			if tt.wantErr == "" && err != nil {
				t.Errorf("waiting: %v, want the copy available", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("waiting: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

// Reset clears the copy behaviour along with moto's state.
func TestResetClearsCopyBehaviour(t *testing.T) {
	rig := awstest.Shared(t)
	if err := rig.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{StuckRegions: []string{dst}}); err != nil {
		t.Fatal(err)
	}
	if err := rig.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(rig.Config(dst))
	out, err := c.CopyImage(t.Context(), copyInput())
	if err != nil {
		t.Fatal(err)
	}
	if img := describeImage(t, c, aws.ToString(out.ImageId)); img.State != ec2types.ImageStateAvailable {
		t.Errorf("copy after Reset is %s, want available", img.State)
	}
}

// The copy behaviour over HTTP, for shells: unknown keys and wrong types are refused.
func TestCopyBehaviourOverHTTP(t *testing.T) {
	rig := awstest.Shared(t)
	tests := []struct {
		body       string
		wantStatus int
		wantBody   string
	}{
		{`{"copy_pending_seconds": 2.5, "copy_fail_regions": ["eu-west-1"]}`, http.StatusOK,
			`{"copy_fail_regions": ["eu-west-1"], "copy_pending_polls": 0, "copy_pending_seconds": 2.5, "copy_stuck_regions": []}`},
		{`{"copy_pending_secs": 2}`, http.StatusBadRequest, "unknown keys"},
		{`{"copy_fail_regions": "eu-west-1"}`, http.StatusBadRequest, "is not a list of region names"},
		{`{"copy_pending_polls": -1}`, http.StatusBadRequest, "is not a number >= 0"},
		{`not json`, http.StatusBadRequest, "error"},
	}
	for _, tt := range tests {
		resp, err := http.Post(rig.MotoURL()+"/_golden/config", "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("POST %s: %d %s, want %d with %q", tt.body, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
	}
	if err := rig.SetCopyBehaviour(t.Context(), awstest.CopyBehaviour{PendingPolls: -1}); err == nil {
		t.Error("SetCopyBehaviour with negative polls succeeded")
	}
}
