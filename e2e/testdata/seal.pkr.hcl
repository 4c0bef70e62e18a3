# amazon-ebs (hashicorp/amazon) builds an unencrypted AMI against the local AWS
# stand-in; golden-seal copies it into every region encrypted with that
# region's key, tagged on create, shares and deprecates it, and removes the
# unencrypted source.
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "= 1.8.1"
    }
    golden = {
      source  = "github.com/goldenami/golden"
      version = ">= 0.1.0"
    }
  }
}

variable "region" { type = string }
variable "source_ami" { type = string }
variable "ssh_port" { type = number }
variable "ssh_private_key_file" { type = string }
variable "regions" { type = list(string) }
variable "keys" { type = map(string) }
variable "timeout" {
  type    = string
  default = "10m"
}

source "amazon-ebs" "seal" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-seal-source-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.amazon-ebs.seal"]

  post-processor "golden-seal" {
    region                  = var.region
    skip_metadata_api_check = true
    regions                 = var.regions
    region_kms_key_ids      = var.keys
    ami_name                = "golden-sealed-{{ .SourceAMI }}"
    tags = {
      Name       = "golden-{{ .Region }}"
      Team       = "platform"
      SourceAMI  = "{{ .SourceAMI }}"
      SourceName = build.SourceAMIName
    }
    snapshot_tags = {
      Kind = "root"
    }
    tag_policy {
      required       = ["Team", "Name"]
      allowed_values = { Team = ["platform", "security"] }
      forbidden      = ["tmp:*"]
    }
    ami_users       = ["111122223333"]
    deprecate_after = "720h"
    timeout         = var.timeout
  }
}
