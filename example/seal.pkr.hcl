# Build a Debian 12 AMI with amazon-ebs, then seal it with golden-seal: one copy
# per region, encrypted with that region's KMS key, tagged on create against
# the shared tag policy, shared with the organization, deprecated after 90
# days; the unencrypted build AMI is removed once every region is sealed, and
# older images of the family are retired.
#
#   packer init . && packer build -var 'kms_key_id=alias/golden-ami' .
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
  description = "Where amazon-ebs builds, and the first sealed region."
}

variable "regions" {
  type        = list(string)
  default     = ["us-east-1", "ap-south-1"]
  description = "The other regions to seal the image in."
}

variable "kms_key_id" {
  type        = string
  default     = "alias/golden-ami"
  description = "A customer managed key (alias, id or ARN) that exists in every region."
}

variable "retention_dry_run" {
  type        = bool
  default     = false
  description = "Print what retention would deprecate and remove, and change nothing."
}

variable "organization_arn" {
  type        = string
  default     = "arn:aws:organizations::111122223333:organization/o-abcdef1234"
  description = "The organization whose accounts may launch the sealed images."
}

source "amazon-ebs" "debian" {
  region        = var.region
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "debian-12-build-{{timestamp}}"

  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      virtualization-type = "hvm"
    }
    owners      = ["136693071363"] # Debian
    most_recent = true
  }
}

build {
  sources = ["source.amazon-ebs.debian"]

  provisioner "shell" {
    inline = ["sudo apt-get update", "sudo DEBIAN_FRONTEND=noninteractive apt-get -y upgrade"]
  }

  post-processor "golden-seal" {
    region     = var.region
    regions    = var.regions
    kms_key_id = var.kms_key_id
    ami_name   = "debian-12-golden-{{ timestamp }}"

    tags = {
      Name        = "debian-12-golden"
      Owner       = "platform@example.com"
      Environment = "prod"
      CostCenter  = "CC-1234"
      SourceAMI   = "{{ .SourceAMI }}"
      Commit      = "{{ .GitSHA }}"
    }
    snapshot_tags = {
      Name = "debian-12-golden-root"
    }
    tag_policy_file = "seal-tag-policy.hcl"

    ami_org_arns    = [var.organization_arn]
    deprecate_after = "2160h"
    timeout         = "2h"

    # One more image of the family golden-ami picks from (see ami.pkr.hcl);
    # the build must have started from a Debian image.
    family            = "debian-12-golden"
    source_ami_owners = ["136693071363"]

    # Once sealed: in every region, keep the three newest images of the family
    # and any younger than 90 days, deprecate all but the newest, remove the
    # rest. Images in use by an instance or a launch template stay untouched.
    retention {
      keep_latest          = 3
      max_age              = "90d"
      deprecate_superseded = true
      dry_run              = var.retention_dry_run
    }
  }

  post-processor "manifest" {
    output = "packer-manifest.json"
  }
}
