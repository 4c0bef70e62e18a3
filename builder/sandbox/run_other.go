//go:build !linux

package sandbox

import (
	"context"
	"fmt"
	"runtime"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

func (b *Builder) run(context.Context, packersdk.Ui, packersdk.Hook) (packersdk.Artifact, error) {
	return nil, fmt.Errorf("golden-sandbox builds only on Linux (it runs the root in Linux namespaces), and this is %s: run packer build on a Linux machine or VM, as root", runtime.GOOS)
}
