// Command packer-plugin-golden is a Packer plugin for golden AMI pipelines on AWS.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/hashicorp/packer-plugin-sdk/plugin"

	sandboxbuilder "github.com/goldenami/packer-plugin-golden/builder/sandbox"
	"github.com/goldenami/packer-plugin-golden/datasource/ami"
	"github.com/goldenami/packer-plugin-golden/internal/verify"
	"github.com/goldenami/packer-plugin-golden/post-processor/seal"
	"github.com/goldenami/packer-plugin-golden/provisioner/harden"
	"github.com/goldenami/packer-plugin-golden/version"
)

func main() {
	// Commands, before the plugin protocol: Packer never starts the plugin with these.
	if len(os.Args) > 1 && (os.Args[1] == "verify" || os.Args[1] == "iam-policy") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		var code int
		if os.Args[1] == "verify" {
			code = verify.Main(ctx, os.Args[2:], os.Stdout, os.Stderr)
		} else {
			code = seal.IAMPolicyMain(ctx, os.Args[2:], os.Environ(), os.Stdout, os.Stderr)
		}
		stop()
		os.Exit(code)
	}
	pps := plugin.NewSet()
	pps.RegisterBuilder("sandbox", new(sandboxbuilder.Builder))
	pps.RegisterProvisioner("harden", new(harden.Provisioner))
	pps.RegisterPostProcessor("seal", new(seal.PostProcessor))
	pps.RegisterDatasource("ami", new(ami.Datasource))
	pps.SetVersion(version.PluginVersion)
	if err := pps.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
}
