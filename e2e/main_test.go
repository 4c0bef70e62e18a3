// Package e2e runs the real packer, the real hashicorp/amazon plugin and this
// plugin against the local stand-ins: moto behind the fault proxy, and a Debian
// sandbox whose sshd plays the EC2 instance.
package e2e

import (
	"testing"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }
