# The hardening loop on your machine, in seconds and without AWS: golden-sandbox
# debootstraps a Debian root once (then starts from its cache), golden-harden
# applies and checks the baseline through the sandbox's own communicator, and the
# hardened root is packed as output-debian/rootfs.tar.zst with its sha256.
#
# Linux, as root:  sudo -E packer init example/sandbox.pkr.hcl
#                  sudo -E packer build example/sandbox.pkr.hcl
packer {
  required_plugins {
    golden = {
      source  = "github.com/goldenami/golden"
      version = ">= 0.1.0"
    }
  }
}

source "golden-sandbox" "debian" {
  suite = "bookworm"
  # The packages the baseline installs when they are missing (audit daemon, time
  # sync, firewall, security updates): in the cached root, a build downloads nothing.
  include = ["auditd", "chrony", "nftables", "unattended-upgrades"]
}

build {
  sources = ["source.golden-sandbox.debian"]

  provisioner "golden-harden" {
    profile = "baseline"
    # Every applicable rule must pass after the fixes, whatever its severity.
    fail_on = "low"
  }

  post-processor "shell-local" {
    inline = ["echo 'hardened ${build.SandboxSuite} root: ${build.SandboxOutput} (${build.SandboxDigest})'"]
  }
}
