# Build an application image on top of the newest trusted golden base image.
# golden-ami picks the newest image of the debian-12-golden family (as
# golden-seal tags it, see seal.pkr.hcl) that is sealed, not deprecated, at
# most 30 days old, tagged for production, encrypted with the team's key,
# signed by the pipeline's provenance key, and hardened with no failure at or
# above the build's fail_on. Every newer image it skipped, and why, is in
# data.golden-ami.base.rejected.
#
#   packer init . && packer build .
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.8.1"
    }
    golden = {
      source  = "github.com/goldenami/golden"
      version = ">= 0.1.0"
    }
  }
}

variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "Where the base image is picked and the application image is built."
}

data "golden-ami" "base" {
  region                 = var.region
  family                 = "debian-12-golden"
  require_encrypted_with = ["alias/golden-ami"]
  require_tags = {
    Environment = "prod"
  }
  require_provenance {
    kms_key_id = "alias/golden-provenance"
  }
  require_hardening_verdict = ">= warn"
  max_age                   = "30d"
}

locals {
  base = data.golden-ami.base
}

source "amazon-ebs" "app" {
  region        = var.region
  source_ami    = local.base.id
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "debian-12-app-{{timestamp}}"
  tags = {
    BaseAMI       = local.base.id
    BaseBuiltBy   = local.base.provenance.builder
    BaseHardening = local.base.provenance.hardening_verdict
  }
}

build {
  sources = ["source.amazon-ebs.app"]

  provisioner "shell" {
    inline = [
      "echo 'base ${local.base.id} (${local.base.name}), sealed ${local.base.provenance.build_time}, ${length(local.base.rejected)} newer images skipped'",
      "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y nginx",
    ]
  }
}
