# amazon-ebs (hashicorp/amazon) builds an AMI against the local AWS stand-in,
# golden-harden hardens the sandbox that plays the instance, and golden-seal
# seals the AMI in every region and records signed provenance for each copy.
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
variable "report_dir" { type = string }
variable "rendezvous_dir" { type = string }

# The signing key: a KMS key or a local PEM file.
variable "signing_key" {
  type    = string
  default = ""
}
variable "signing_key_file" {
  type    = string
  default = ""
}

# The stores; empty: not used.
variable "s3_bucket" {
  type    = string
  default = ""
}
variable "ssm_prefix" {
  type    = string
  default = ""
}
variable "directory" {
  type    = string
  default = ""
}

variable "family" {
  type    = string
  default = "debian-12"
}
variable "api_token" {
  type      = string
  sensitive = true
  default   = ""
}
# Recorded as a variable: makes the record as large as a test needs.
variable "padding" {
  type    = string
  default = ""
}
variable "extra_tags" {
  type    = map(string)
  default = {}
}

source "amazon-ebs" "provenance" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-provenance-source-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.amazon-ebs.provenance"]

  provisioner "golden-harden" {
    profile        = "none"
    only_rules     = ["perm-passwd", "perm-group"]
    inline         = ["echo hardened for provenance"]
    report_dir     = var.report_dir
    rendezvous_dir = var.rendezvous_dir
  }

  post-processor "golden-seal" {
    region                  = var.region
    skip_metadata_api_check = true
    regions                 = var.regions
    region_kms_key_ids      = var.keys
    ami_name                = "golden-provenance-{{ .SourceAMI }}"
    tags                    = merge({ Name = "golden-{{ .Region }}", Team = "platform" }, var.extra_tags)
    timeout                 = "10m"

    provenance {
      kms_key_id        = var.signing_key
      signing_key_file  = var.signing_key_file
      s3_bucket         = var.s3_bucket
      s3_prefix         = var.s3_bucket == "" ? "" : "golden/provenance"
      ssm_prefix        = var.ssm_prefix
      directory         = var.directory
      template_files    = ["${path.root}/provenance.pkr.hcl"]
      variables         = { family = var.family, api_token = var.api_token, padding = var.padding }
      rendezvous_dir    = var.rendezvous_dir
      require_hardening = true
    }
  }
}
