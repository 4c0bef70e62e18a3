package seal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/goldenami/packer-plugin-golden/internal/family"
	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/imagelist"
)

// retentionPlan is what retention decided in one region, and what came of it.
type retentionPlan struct {
	region    string
	decisions []family.Decision
	results   []string // what was changed, or would be under dry_run
	err       error    // why the region was left alone, or what failed
}

// planRetention lists the family's sealed images in region, finds what uses
// them, and decides under the policy. current is the image this run sealed.
func (r *run) planRetention(ctx context.Context, region, current string, now time.Time) retentionPlan {
	p := retentionPlan{region: region}
	filters := family.WithFamily([]family.Filter{{Name: "tag:" + imagecopy.TagStatus, Values: []string{imagecopy.StatusSealed}}}, r.cfg.Family)
	images, err := imagelist.List(ctx, r.aws.ec2(region), region, []string{"self"}, filters)
	if err != nil {
		p.err = fmt.Errorf("listing the family's images: %w: retention left every image alone", err)
		return p
	}
	var ids []string
	members := make([]family.Member, 0, len(images)+1)
	for _, img := range images {
		members = append(members, family.Member{Image: img, Current: img.ID == current})
		if img.ID != current {
			ids = append(ids, img.ID)
		}
	}
	if !slices.ContainsFunc(members, func(m family.Member) bool { return m.Current }) {
		// Not listed yet (EC2 is eventually consistent): it is the family's newest all the same.
		members = append(members, family.Member{Image: family.Image{Region: region, ID: current, Tags: map[string]string{family.Tag: r.cfg.Family}}, Current: true})
	}
	uses, err := r.aws.uses(ctx, region, ids)
	if err != nil {
		p.err = fmt.Errorf("could not tell which images of the family are in use: %w: retention left every image alone", err)
		return p
	}
	for i := range members {
		members[i].Uses = uses[members[i].ID]
	}
	p.decisions = family.Plan(r.cfg.Family, members, r.cfg.Retention.policy, now)
	return p
}

// apply carries out the plan: deprecations first, then removals, each image
// re-checked for use just before it is removed. It stops at the first
// failure; what it did is in p.results.
func (r *run) apply(ctx context.Context, p *retentionPlan, deprecateAt time.Time) {
	api := r.aws.ec2(p.region)
	for _, d := range p.decisions {
		if d.Action != family.ActionDeprecate {
			continue
		}
		if at := d.Image.DeprecatedAt; !at.IsZero() && !at.After(deprecateAt) {
			continue // deprecates sooner already
		}
		_, err := api.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: aws.String(d.Image.ID), DeprecateAt: aws.Time(deprecateAt)})
		if err != nil {
			p.err = fmt.Errorf("deprecating %s: %w", d.Image.ID, err)
			return
		}
		p.results = append(p.results, fmt.Sprintf("deprecated %s from %s", d.Image.ID, deprecateAt.Format(time.RFC3339)))
	}
	var remove []family.Image
	for _, d := range p.decisions {
		if d.Action == family.ActionRemove {
			remove = append(remove, d.Image)
		}
	}
	if len(remove) == 0 {
		return
	}
	ids := make([]string, len(remove))
	for i, img := range remove {
		ids[i] = img.ID
	}
	uses, err := r.aws.uses(ctx, p.region, ids)
	if err != nil {
		p.err = fmt.Errorf("checking again that the images to remove are not in use: %w: none removed", err)
		return
	}
	for _, img := range remove {
		if u := uses[img.ID]; len(u) > 0 {
			p.results = append(p.results, fmt.Sprintf("kept %s: in use since the plan was made, by %s", img.ID, strings.Join(u, ", ")))
			continue
		}
		target := imagecopy.Image{Region: p.region, ID: img.ID}
		for _, s := range img.SnapshotIDs() {
			target.Snapshots = append(target.Snapshots, imagecopy.Snapshot{ID: s})
		}
		removed, err := r.copier.Remove(ctx, target)
		if len(removed) > 0 {
			p.results = append(p.results, fmt.Sprintf("removed %s", strings.Join(removed, " ")))
		}
		if err != nil {
			p.err = fmt.Errorf("removing %s: %w", img.ID, err)
			return
		}
	}
}
