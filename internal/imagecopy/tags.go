package imagecopy

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// Tags imagecopy puts on every copy and its snapshots when it creates them,
// so that a later run can tell a finished copy from one a crashed run left.
const (
	// TagRun holds the id of the run that made the copy (packer_run_uuid).
	TagRun = "golden:seal-run"
	// TagPipeline holds the pipeline the copy belongs to (Options.Pipeline).
	TagPipeline = "golden:seal-pipeline"
	// TagStatus is StatusCopying from CopyImage on, StatusSealed once MarkSealed has run.
	TagStatus = "golden:seal-status"
	// TagDeadline is when the run that made the copy is over for certain
	// (Options.Deadline, RFC 3339): a copy still StatusCopying after it was left.
	TagDeadline = "golden:seal-deadline"

	StatusCopying = "copying"
	StatusSealed  = "sealed"
)

// MarkerTags is how many tags imagecopy adds to each copy and snapshot: they
// count against AWS's limit of 50.
const MarkerTags = 4

func (c *Copier) markers(status string) map[string]string {
	return map[string]string{TagRun: c.opts.RunID, TagPipeline: c.opts.Pipeline, TagStatus: status,
		TagDeadline: c.opts.Deadline.UTC().Format(time.RFC3339)}
}

func ec2Tags(tags map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(tags))
	for _, t := range tagpolicy.Sorted(tags) {
		out = append(out, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}
