# amazon-ebs builds against the local AWS stand-in; golden-seal seals the image
# into three regions as one more image of a family, checks that the build
# started from a trusted owner's image, and, when keep_latest is set, retires
# the family's older images in every region.
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
variable "family" { type = string }
variable "source_ami_owners" { type = list(string) }
variable "keep_latest" {
  type    = number
  default = 0
}
variable "dry_run" {
  type    = bool
  default = false
}
variable "keep_source_image" {
  type    = bool
  default = false
}

source "amazon-ebs" "family" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-build-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.amazon-ebs.family"]

  post-processor "golden-seal" {
    region                  = var.region
    skip_metadata_api_check = true
    regions                 = var.regions
    region_kms_key_ids      = var.keys
    ami_name                = "${var.family}-{{ .SourceAMI }}"
    tags                    = { Team = "platform" }
    family                  = var.family
    source_ami_owners       = var.source_ami_owners
    keep_source_image       = var.keep_source_image
    timeout                 = "10m"

    dynamic "retention" {
      for_each = var.keep_latest > 0 ? [var.keep_latest] : []
      content {
        keep_latest          = retention.value
        deprecate_superseded = true
        dry_run              = var.dry_run
      }
    }
  }
}
