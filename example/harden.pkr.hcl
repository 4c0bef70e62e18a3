# golden-harden on an existing machine reached over SSH (the null builder):
# the hardening baseline, then your own scripts, in one round trip, with reports
# in ./golden-harden-reports. Point it at a throwaway Debian 12 machine:
#
#   packer build -var host=10.0.0.5 -var ssh_private_key_file=~/.ssh/id_ed25519 harden.pkr.hcl
#
# In a golden-image pipeline, put the same provisioner block in the build of an
# amazon-ebs source and add golden-seal: it finds this report by itself.
packer {
  required_plugins {
    golden = {
      source  = "github.com/goldenami/golden"
      version = ">= 0.1.0"
    }
  }
}

variable "host" { type = string }
variable "ssh_port" {
  type    = number
  default = 22
}
variable "ssh_username" {
  type    = string
  default = "admin"
}
variable "ssh_private_key_file" { type = string }

source "null" "machine" {
  communicator         = "ssh"
  ssh_host             = var.host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.null.machine"]

  provisioner "golden-harden" {
    profile    = "baseline"
    mode       = "enforce"             # "audit" checks only and changes nothing
    fail_on    = "high"                # a high or critical rule still failing fails the build
    skip_rules = ["net-ip-forwarding"] # this image runs containers

    rule_overrides = {
      login_pass_max_days = "180"
      sshd_max_auth_tries = "3"
      firewall_allow_tcp  = "443"
    }

    # Your scripts run after the rules (scripts_first = true runs them before),
    # as root, with these variables; their values never appear on a command line.
    inline           = ["echo \"installing version $APP_VERSION\""]
    environment_vars = ["APP_VERSION=1.2.3"]

    report_dir = "golden-harden-reports"
  }
}
