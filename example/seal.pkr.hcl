# Build a Debian 12 AMI with amazon-ebs, then seal it with golden-seal: one copy
# per region, encrypted with that region's KMS key, tagged on create against
# the shared tag policy, shared with the organization, deprecated after 90
# days; the unencrypted build AMI is removed once every region is sealed.
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
  }

  post-processor "manifest" {
    output = "packer-manifest.json"
  }
}
