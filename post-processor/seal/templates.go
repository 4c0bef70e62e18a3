package seal

import (
	"fmt"
	"regexp"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/goldenami/packer-plugin-golden/internal/tagpolicy"
)

// sampleData stands in for what templates see at run time.
var sampleData = templateData{BuildName: "build", SourceAMI: "ami-0123456789abcdef0", SourceAMIName: "source",
	SourceRegion: "us-east-1", Region: "us-east-1", GitSHA: "0123456789abcdef0123456789abcdef01234567"}

// checkTemplates renders ami_name, tags and snapshot_tags with stand-in
// values, so that a misspelt field ({{ .SourceAmi }}) fails packer validate
// instead of the run, after its first AWS calls.
func (c *Config) checkTemplates() error {
	ictx := c.ctx
	ictx.Data = sampleData
	var errs *packersdk.MultiError
	check := func(field, s string) {
		if _, err := interpolate.Render(s, &ictx); err != nil {
			errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("%s: %w: templates see .SourceAMI, .SourceAMIName, .SourceRegion, .Region, .BuildName and .GitSHA", field, err))
		}
	}
	check("ami_name", c.AMIName)
	for _, f := range []struct {
		name string
		tags map[string]string
	}{{"tags", c.Tags}, {"snapshot_tags", c.SnapshotTags}} {
		for _, t := range tagpolicy.Sorted(f.tags) {
			check(fmt.Sprintf("%s[%q]", f.name, t.Key), t.Value)
		}
	}
	if errs != nil {
		return errs
	}
	return nil
}

// durationField finds the duration settings the SDK could not decode.
var durationField = regexp.MustCompile(`error decoding '([a-z_]+)': time: `)

// explainDurations adds to a decoding error of duration settings how to
// write one: Go durations have no unit for days, which users reach for.
func explainDurations(err error) error {
	var fields []string
	for _, m := range durationField.FindAllStringSubmatch(err.Error(), -1) {
		fields = append(fields, m[1])
	}
	if len(fields) == 0 {
		return err
	}
	return fmt.Errorf("%w\n%s: write a duration as numbers with the units h, m and s, such as 2h, 90m or 2160h for 90 days", err, strings.Join(fields, " and "))
}
