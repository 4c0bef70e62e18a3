package seal

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/awsconfig"
)

// inputBuilderIDs are the components whose artifacts are AMIs with ids of
// the form region:ami-id,region:ami-id (hashicorp/amazon v1.8.1).
var inputBuilderIDs = []string{
	"mitchellh.amazonebs",                 // amazon-ebs
	"mitchellh.amazon.ebssurrogate",       // amazon-ebssurrogate
	"mitchellh.amazon.instance",           // amazon-instance
	"mitchellh.amazon.chroot",             // amazon-chroot
	"packer.post-processor.amazon-import", // amazon-import
}

var amiIDPattern = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)

var errNotAnAMI = errors.New("not an AMI artifact")

// checkInput refuses artifacts that are not AMIs and parses their ids.
func checkInput(builderID, id string) (map[string]string, error) {
	if !slices.Contains(inputBuilderIDs, builderID) {
		return nil, fmt.Errorf("golden-seal takes AMIs from amazon-ebs, amazon-ebssurrogate, amazon-instance, amazon-chroot or amazon-import: "+
			"the input artifact comes from %q: %w: run golden-seal after one of those", builderID, errNotAnAMI)
	}
	amis, err := parseArtifactID(id)
	if err != nil {
		return nil, fmt.Errorf("the input artifact of %s: %w", builderID, err)
	}
	return amis, nil
}

// parseArtifactID parses "region:ami-id,region:ami-id" into region → AMI id.
func parseArtifactID(id string) (map[string]string, error) {
	if strings.TrimSpace(id) == "" {
		return nil, fmt.Errorf("%w: its id is empty, so there is no AMI to seal: check that the build created one (skip_create_ami is off)", errNotAnAMI)
	}
	amis := map[string]string{}
	for part := range strings.SplitSeq(id, ",") {
		region, ami, ok := strings.Cut(strings.TrimSpace(part), ":")
		switch {
		case !ok || !awsconfig.ValidRegion(region) || !amiIDPattern.MatchString(ami):
			return nil, fmt.Errorf("%w: %q in its id %q is not region:ami-id", errNotAnAMI, part, id)
		case amis[region] != "":
			return nil, fmt.Errorf("%w: its id %q names two AMIs in %s", errNotAnAMI, id, region)
		}
		amis[region] = ami
	}
	return amis, nil
}
