package e2e

import (
	"strings"

	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

// pluginRequirements are the required_plugins entries the templates here use:
// the amazon plugin as make tools installs it, and this plugin.
var pluginRequirements = map[string]string{
	"amazon": `    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "= 1.8.1"
    }
`,
	"golden": `    golden = {
      source  = "` + packertest.PluginAddress + `"
      version = ">= 0.1.0"
    }
`,
}

// requiredPlugins is a template's packer block requiring the plugins named.
func requiredPlugins(names ...string) string {
	var b strings.Builder
	b.WriteString("packer {\n  required_plugins {\n")
	for _, n := range names {
		b.WriteString(pluginRequirements[n])
	}
	b.WriteString("  }\n}\n")
	return b.String()
}
