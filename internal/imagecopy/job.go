package imagecopy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Job is the sealed image wanted in one region.
type Job struct {
	Region      string // where the copy goes
	Source      Image  // as Describe returned it
	Name        string
	Description string
	// KMSKeyARN is the ARN of the key in Region that must encrypt every
	// snapshot; aliases must be resolved by the caller.
	KMSKeyARN string
	// Tags go on the copy and SnapshotTags on its snapshots, with the
	// marker tags, on create.
	Tags         map[string]string
	SnapshotTags map[string]string
}

// Copy is what became of one Job.
type Copy struct {
	Job
	// Image is the copy, or the source itself when it was already encrypted
	// with the key in the same region (Reused). Image.ID is empty until
	// CopyImage answers.
	Image  Image
	Reused bool
	// Verified is set once every snapshot is checked to be encrypted with
	// the job's key and tagged.
	Verified bool
	// Polls counts the DescribeImages and DescribeSnapshots calls of the wait.
	Polls int
	// Waited is how long the copy took from CopyImage to its detection.
	Waited time.Duration
	Err    error

	token string
	sent  bool // CopyImage was sent: the copy may exist even without an id
}

// clientToken is the copy's CopyImage ClientToken: the same for a job in the
// same run, so that a retried CopyImage (by the SDK, or by Rollback when the
// answer was lost) returns the copy made the first time instead of another.
func clientToken(runID string, j Job) string {
	h := sha256.Sum256([]byte(strings.Join([]string{runID, j.Source.Region, j.Source.ID, j.Region, j.KMSKeyARN, j.Name}, "\x00")))
	return "golden-" + hex.EncodeToString(h[:])[:48]
}
