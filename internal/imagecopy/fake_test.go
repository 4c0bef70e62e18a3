package imagecopy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// fakeClock is virtual time: Sleep returns at once, moving time on.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	c.mu.Lock()
	c.now = c.now.Add(max(d, 0))
	c.mu.Unlock()
	time.Sleep(time.Millisecond) // let other regions run
	return context.Cause(ctx)
}

// world is a fake EC2 across regions: images copy in copyTime, their
// snapshots report linear progress, and calls are logged.
type world struct {
	mu        sync.Mutex
	clock     *fakeClock
	images    map[string]*fakeImage
	snapshots map[string]*fakeSnapshot
	tokens    map[string]string // region/token → image id
	next      int
	calls     []call
	copyTime  map[string]time.Duration // per region; default 10s
	fail      map[string]bool          // copies into these regions fail
	faults    map[string][]error       // action → errors returned by the next calls, in order
	lostReply map[string]bool          // CopyImage into these regions succeeds but answers with an error
	stuck     map[string]bool          // copies into these regions stay at 0%
}

type fakeImage struct {
	region, name string
	source       Image // Region and ID, for copies
	state        string
	started      time.Time
	total        time.Duration
	fail         bool
	snapshots    []string
	tags         map[string]string
}

type fakeSnapshot struct {
	region    string
	state     string
	progress  int
	encrypted bool
	key       string
	tags      map[string]string
}

type call struct {
	Region, Action string
	Input          any
}

func newWorld() *world {
	return &world{
		clock: newFakeClock(), images: map[string]*fakeImage{}, snapshots: map[string]*fakeSnapshot{},
		tokens: map[string]string{}, copyTime: map[string]time.Duration{}, fail: map[string]bool{},
		faults: map[string][]error{}, lostReply: map[string]bool{}, stuck: map[string]bool{},
	}
}

// source adds an available image with one snapshot in region.
func (w *world) source(region string, encryptedWith string) Image {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, snap := w.id("ami"), w.id("snap")
	w.images[id] = &fakeImage{region: region, name: "source", state: "available", snapshots: []string{snap}, tags: map[string]string{}}
	w.snapshots[snap] = &fakeSnapshot{region: region, state: "completed", progress: 100, encrypted: encryptedWith != "", key: encryptedWith, tags: map[string]string{}}
	return Image{Region: region, ID: id, State: "available",
		Snapshots: []Snapshot{{ID: snap, State: "completed", Progress: 100, Encrypted: encryptedWith != "", KMSKeyID: encryptedWith}}}
}

func (w *world) id(prefix string) string {
	w.next++
	return fmt.Sprintf("%s-%017x", prefix, w.next)
}

func (w *world) copier(opts Options) *Copier {
	if opts.RunID == "" {
		opts.RunID = "run-1"
	}
	if opts.Pipeline == "" {
		opts.Pipeline = "amazon-ebs.web/golden-{{timestamp}}"
	}
	if opts.Deadline.IsZero() {
		opts.Deadline = w.clock.Now().Add(2 * time.Hour)
	}
	return &Copier{ec2: func(region string) ec2API { return &regionEC2{w, region} }, opts: opts, clock: w.clock}
}

// remaining lists the images and snapshots in the world, sorted.
func (w *world) remaining() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for id, img := range w.images {
		out = append(out, img.region+"/"+id)
	}
	for id, s := range w.snapshots {
		out = append(out, s.region+"/"+id)
	}
	slices.Sort(out)
	return out
}

// count returns the number of calls of the actions in region.
func (w *world) count(region string, actions ...string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.calls {
		if c.Region == region && slices.Contains(actions, c.Action) {
			n++
		}
	}
	return n
}

func (w *world) inputs(region, action string) []any {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []any
	for _, c := range w.calls {
		if c.Region == region && c.Action == action {
			out = append(out, c.Input)
		}
	}
	return out
}

func apiErr(code string, fault smithy.ErrorFault) error {
	return &smithy.GenericAPIError{Code: code, Message: code, Fault: fault}
}

type regionEC2 struct {
	w      *world
	region string
}

// begin logs the call and returns an injected fault; the world stays locked.
func (r *regionEC2) begin(action string, in any) error {
	r.w.mu.Lock()
	r.w.calls = append(r.w.calls, call{r.region, action, in})
	if f := r.w.faults[action]; len(f) > 0 {
		r.w.faults[action] = f[1:]
		return f[0]
	}
	return nil
}

func (r *regionEC2) advance() {
	now := r.w.clock.Now()
	for _, img := range r.w.images {
		if img.state != "pending" {
			continue
		}
		done := now.Sub(img.started)
		for _, id := range img.snapshots {
			if img.total > 0 {
				r.w.snapshots[id].progress = min(int(100*done/img.total), 99)
			}
		}
		if done < img.total {
			continue
		}
		img.state = "available"
		if img.fail {
			img.state = "failed"
		}
		for _, id := range img.snapshots {
			s := r.w.snapshots[id]
			s.state, s.progress = "completed", 100
			if img.fail {
				s.state, s.progress = "error", 0
			}
		}
	}
}

func (r *regionEC2) CopyImage(ctx context.Context, in *ec2.CopyImageInput, _ ...func(*ec2.Options)) (*ec2.CopyImageOutput, error) {
	err := r.begin("CopyImage", in)
	defer r.w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if id, ok := r.w.tokens[r.region+"/"+aws.ToString(in.ClientToken)]; ok {
		return &ec2.CopyImageOutput{ImageId: aws.String(id)}, nil
	}
	src, ok := r.w.images[aws.ToString(in.SourceImageId)]
	if !ok || src.region != aws.ToString(in.SourceRegion) {
		return nil, apiErr("InvalidAMIID.NotFound", smithy.FaultClient)
	}
	total, ok := r.w.copyTime[r.region]
	if !ok {
		total = 10 * time.Second
	}
	if r.w.stuck[r.region] {
		total = 1 << 62
	}
	id, snap := r.w.id("ami"), r.w.id("snap")
	img := &fakeImage{region: r.region, name: aws.ToString(in.Name), state: "pending", started: r.w.clock.Now(), total: total,
		fail: r.w.fail[r.region], snapshots: []string{snap}, tags: map[string]string{},
		source: Image{Region: aws.ToString(in.SourceRegion), ID: aws.ToString(in.SourceImageId)}}
	s := &fakeSnapshot{region: r.region, state: "pending", encrypted: aws.ToBool(in.Encrypted), key: aws.ToString(in.KmsKeyId), tags: map[string]string{}}
	for _, spec := range in.TagSpecifications {
		target := img.tags
		if spec.ResourceType == types.ResourceTypeSnapshot {
			target = s.tags
		}
		for _, t := range spec.Tags {
			target[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	r.w.images[id], r.w.snapshots[snap] = img, s
	r.w.tokens[r.region+"/"+aws.ToString(in.ClientToken)] = id
	if r.w.lostReply[r.region] {
		delete(r.w.lostReply, r.region)
		return nil, fmt.Errorf("connection reset by peer")
	}
	return &ec2.CopyImageOutput{ImageId: aws.String(id)}, nil
}

func matches(tags map[string]string, filters []types.Filter) bool {
	for _, f := range filters {
		k, ok := strings.CutPrefix(aws.ToString(f.Name), "tag:")
		if !ok || !slices.Contains(f.Values, tags[k]) {
			return false
		}
	}
	return true
}

func (r *regionEC2) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	err := r.begin("DescribeImages", in)
	defer r.w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r.advance()
	out := &ec2.DescribeImagesOutput{}
	for id, img := range r.w.images {
		if img.region != r.region || (len(in.ImageIds) > 0 && !slices.Contains(in.ImageIds, id)) || !matches(img.tags, in.Filters) {
			continue
		}
		i := types.Image{ImageId: aws.String(id), Name: aws.String(img.name), State: types.ImageState(img.state), Tags: ec2Tags(img.tags)}
		if img.source.ID != "" {
			i.SourceImageId, i.SourceImageRegion = aws.String(img.source.ID), aws.String(img.source.Region)
		}
		if img.state == "failed" {
			i.StateReason = &types.StateReason{Code: aws.String("Server.InternalError"), Message: aws.String("Copy image failed")}
		}
		for _, s := range img.snapshots {
			i.BlockDeviceMappings = append(i.BlockDeviceMappings, types.BlockDeviceMapping{DeviceName: aws.String("/dev/xvda"),
				Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(s), Encrypted: aws.Bool(r.w.snapshots[s].encrypted)}})
		}
		out.Images = append(out.Images, i)
	}
	if len(in.ImageIds) > 0 && len(out.Images) == 0 {
		return nil, apiErr("InvalidAMIID.NotFound", smithy.FaultClient)
	}
	return out, nil
}

func (r *regionEC2) DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error) {
	err := r.begin("DescribeSnapshots", in)
	defer r.w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r.advance()
	out := &ec2.DescribeSnapshotsOutput{}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range r.w.snapshots {
			if !yield(id) {
				return
			}
		}
	}) {
		s := r.w.snapshots[id]
		if s.region != r.region || (len(in.SnapshotIds) > 0 && !slices.Contains(in.SnapshotIds, id)) || !matches(s.tags, in.Filters) {
			continue
		}
		out.Snapshots = append(out.Snapshots, types.Snapshot{SnapshotId: aws.String(id), State: types.SnapshotState(s.state),
			Progress: aws.String(fmt.Sprintf("%d%%", s.progress)), Encrypted: aws.Bool(s.encrypted), KmsKeyId: aws.String(s.key), Tags: ec2Tags(s.tags)})
	}
	return out, nil
}

func (r *regionEC2) DeregisterImage(ctx context.Context, in *ec2.DeregisterImageInput, _ ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error) {
	err := r.begin("DeregisterImage", in)
	defer r.w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if img, ok := r.w.images[aws.ToString(in.ImageId)]; !ok || img.region != r.region {
		return nil, apiErr("InvalidAMIID.NotFound", smithy.FaultClient)
	}
	delete(r.w.images, aws.ToString(in.ImageId))
	return &ec2.DeregisterImageOutput{}, nil
}

func (r *regionEC2) DeleteSnapshot(ctx context.Context, in *ec2.DeleteSnapshotInput, _ ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error) {
	err := r.begin("DeleteSnapshot", in)
	defer r.w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	id := aws.ToString(in.SnapshotId)
	if s, ok := r.w.snapshots[id]; !ok || s.region != r.region {
		return nil, apiErr("InvalidSnapshot.NotFound", smithy.FaultClient)
	}
	for _, img := range r.w.images {
		if slices.Contains(img.snapshots, id) {
			return nil, apiErr("InvalidSnapshot.InUse", smithy.FaultClient)
		}
	}
	delete(r.w.snapshots, id)
	return &ec2.DeleteSnapshotOutput{}, nil
}

func (r *regionEC2) CreateTags(ctx context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	err := r.begin("CreateTags", in)
	defer r.w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, id := range in.Resources {
		var tags map[string]string
		if img, ok := r.w.images[id]; ok {
			tags = img.tags
		} else if s, ok := r.w.snapshots[id]; ok {
			tags = s.tags
		} else {
			return nil, apiErr("InvalidID", smithy.FaultClient)
		}
		for _, t := range in.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return &ec2.CreateTagsOutput{}, nil
}
