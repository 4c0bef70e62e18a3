# golden-ami picks the newest trusted image of a family; its id feeds
# amazon-ebs's source_ami through a local, and the file builder writes the
# whole value for the test to read.
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
variable "family" { type = string }
variable "require_tags" {
  type    = map(string)
  default = {}
}
variable "out" {
  type    = string
  default = "golden-ami.json"
}

data "golden-ami" "base" {
  region                  = var.region
  skip_metadata_api_check = true
  family                  = var.family
  require_encrypted_with  = ["alias/golden-ami"]
  require_tags            = var.require_tags
  require_provenance {
    kms_key_id = "alias/golden-provenance"
  }
  require_hardening_verdict = ">= warn"
  max_age                   = "30d"
}

locals {
  base_ami = data.golden-ami.base.id
}

source "amazon-ebs" "next-layer" {
  region                  = var.region
  source_ami              = local.base_ami
  instance_type           = "t3.micro"
  ami_name                = "debian-12-app-{{timestamp}}"
  skip_metadata_api_check = true
  communicator            = "none"
}

source "file" "picked" {
  target  = var.out
  content = jsonencode({ base_ami = local.base_ami, picked = data.golden-ami.base })
}

build {
  sources = ["source.amazon-ebs.next-layer", "source.file.picked"]
}
