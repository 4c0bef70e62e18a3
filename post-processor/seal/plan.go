package seal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// targets are the regions to seal in: the input artifact's and regions, in order.
func (r *run) targets() []string {
	return slices.Compact(slices.Sorted(slices.Values(slices.Concat(slices.Collect(maps.Keys(r.sources)), r.cfg.Regions))))
}

// primaryRegion is the input artifact's region that extra regions copy
// from: the build region when the artifact has an image there, else the
// first in name order.
func primaryRegion(sources map[string]string, buildRegion string) string {
	if _, ok := sources[buildRegion]; ok {
		return buildRegion
	}
	return slices.Sorted(maps.Keys(sources))[0]
}

// templateData is what ami_name, tags and snapshot_tags templates see.
type templateData struct {
	BuildName     string // packer_build_name
	SourceAMI     string // the image copied into the region
	SourceAMIName string
	SourceRegion  string
	Region        string // the region of the sealed image
	GitSHA        string // the commit being built, when CI or git says
}

// plan renders the name and tags of each region's image, checks them, and
// makes the jobs.
func (r *run) plan(context.Context) error {
	sha := gitSHA()
	var errs []error
	r.jobs = nil
	for _, region := range r.targets() {
		src, ok := r.images[region]
		if !ok {
			src = r.images[r.primary]
		}
		data := templateData{BuildName: r.cfg.PackerBuildName, SourceAMI: src.ID, SourceAMIName: src.Name,
			SourceRegion: src.Region, Region: region, GitSHA: sha}
		job, err := r.job(region, src, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", region, err))
			continue
		}
		r.jobs = append(r.jobs, job)
	}
	return errors.Join(errs...)
}

func (r *run) job(region string, src imagecopy.Image, data templateData) (imagecopy.Job, error) {
	ictx := r.cfg.ctx
	ictx.Data = data
	render := func(field, s string) (string, error) {
		out, err := interpolate.Render(s, &ictx)
		if err != nil {
			return "", fmt.Errorf("%s: rendering %q: %w", field, s, err)
		}
		return out, nil
	}
	name, err := render("ami_name", r.cfg.AMIName)
	if err != nil {
		return imagecopy.Job{}, err
	}
	if err := r.cfg.checkName(name); err != nil {
		return imagecopy.Job{}, err
	}
	tags, snapTags := map[string]string{}, map[string]string{}
	for field, from := range map[string]map[string]string{"tags": r.cfg.Tags, "snapshot_tags": r.cfg.SnapshotTags} {
		to := tags
		if field == "snapshot_tags" {
			to = snapTags
		}
		for _, t := range tagpolicy.Sorted(from) {
			if to[t.Key], err = render(fmt.Sprintf("%s[%q]", field, t.Key), t.Value); err != nil {
				return imagecopy.Job{}, err
			}
		}
	}
	snapTags = tagpolicy.MergeTags(tags, snapTags)
	if err := errors.Join(slices.Concat(r.cfg.checkTags("tags", r.cfg.imageReserved(), tags), r.cfg.checkTags("snapshot_tags (with tags)", imagecopy.MarkerTags, snapTags))...); err != nil {
		return imagecopy.Job{}, err
	}
	return imagecopy.Job{
		Region: region, Source: src, Name: name, KMSKeyARN: r.keys[region].arn, Tags: tagpolicy.MergeTags(tags, r.lifecycleTags()), SnapshotTags: snapTags,
		Description: fmt.Sprintf("%s, sealed by golden-seal from %s in %s", name, src.ID, src.Region),
	}, nil
}
