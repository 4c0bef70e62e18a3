// Package version holds the plugin's version; release builds set it with -ldflags.
package version

import "github.com/hashicorp/packer-plugin-sdk/version"

var (
	// Version is the main version number that is being run at the moment.
	Version = "0.1.0"
	// VersionPrerelease is a pre-release marker for the version: "" for a release, "dev" otherwise.
	VersionPrerelease = "dev"
	// VersionMetadata is build metadata, such as the commit.
	VersionMetadata = ""
	// PluginVersion is the version Packer reads from `describe`.
	PluginVersion = version.NewPluginVersion(Version, VersionPrerelease, VersionMetadata)
)
