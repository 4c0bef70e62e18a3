package seal

import (
	"context"
	"fmt"
	"slices"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// builtFrom is the image the build started from, as the builder reports it
// in its generated data (the amazon plugin's SourceAMI, SourceAMIOwner,
// SourceAMIOwnerName); zero when it does not.
type builtFrom struct {
	ImageID    string
	Name       string
	OwnerID    string
	OwnerAlias string // amazon, aws-marketplace, …; "" for ordinary accounts
}

// builtFromArtifact reads the input artifact's generated data. Across the
// plugin protocol its keys arrive as interface{}, in process as strings.
func builtFromArtifact(in packersdk.Artifact) builtFrom {
	get := func(string) string { return "" }
	switch m := in.State("generated_data").(type) {
	case map[interface{}]interface{}:
		get = func(k string) string { s, _ := m[k].(string); return s }
	case map[string]interface{}:
		get = func(k string) string { s, _ := m[k].(string); return s }
	}
	return builtFrom{ImageID: get("SourceAMI"), Name: get("SourceAMIName"), OwnerID: get("SourceAMIOwner"), OwnerAlias: get("SourceAMIOwnerName")}
}

func (b builtFrom) String() string {
	owner := b.OwnerID
	if b.OwnerAlias != "" {
		owner += " (" + b.OwnerAlias + ")"
	}
	name := ""
	if b.Name != "" {
		name = " (" + b.Name + ")"
	}
	return fmt.Sprintf("%s%s, owned by %s", b.ImageID, name, owner)
}

// trustedBy reports whether owners lists the image's owner: its account id,
// its owner alias, or self when self is the account.
func (b builtFrom) trustedBy(owners []string, self string) bool {
	return slices.ContainsFunc(owners, func(o string) bool {
		switch {
		case b.OwnerID == "":
			return false
		case o == "self":
			return self != "" && b.OwnerID == self
		}
		return o == b.OwnerID || (b.OwnerAlias != "" && o == b.OwnerAlias)
	})
}

// checkSourceOwner fails when source_ami_owners is set and the build
// started from an image none of them owns, or from an image the builder
// does not name. It makes no AWS call: the builder described the image when
// the build started.
func (r *run) checkSourceOwner(context.Context) error {
	owners := r.cfg.SourceAMIOwners
	if len(owners) == 0 {
		return nil
	}
	if r.built.ImageID == "" || r.built.OwnerID == "" {
		return fmt.Errorf("source_ami_owners: the input artifact does not say which AMI the build started from or who owns it " +
			"(the builder's generated data SourceAMI and SourceAMIOwner): build with amazon-ebs, amazon-ebssurrogate, amazon-instance " +
			"or amazon-chroot, or remove source_ami_owners")
	}
	self := r.account
	if self == "" {
		self = r.images[r.primary].OwnerID // the build's own image
	}
	if !r.built.trustedBy(owners, self) {
		return fmt.Errorf("source_ami_owners: the build started from %s, which is not among %s: build from an image of a trusted owner, or add the owner",
			r.built, strings.Join(owners, ", "))
	}
	r.ui.Say(fmt.Sprintf("The build started from %s: trusted by source_ami_owners", r.built))
	return nil
}

// lifecycleTags are the tags the lifecycle settings add to each image: the
// family, and the image the build started from when the builder says.
func (r *run) lifecycleTags() map[string]string {
	tags := map[string]string{}
	for _, k := range r.cfg.lifecycleTagKeys() {
		switch k {
		case family.Tag:
			tags[k] = r.cfg.Family
		case family.TagSourceAMI:
			tags[k] = r.built.ImageID
		case family.TagSourceOwner:
			tags[k] = r.built.OwnerID
		}
		if tags[k] == "" {
			delete(tags, k)
		}
	}
	return tags
}
