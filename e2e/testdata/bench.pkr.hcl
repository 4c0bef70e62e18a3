# The benchmark's one template (make bench; e2e/bench_*_test.go). One
# amazon-ebs source, built three ways, chosen with `packer build -only`:
#   plain   the AMI only, unencrypted, in the build region;
#   anchor  the amazon plugin encrypts and copies it itself: encrypt_boot,
#           region_kms_key_ids and ami_regions;
#   seal    plain, then golden-seal encrypts and copies it into the same
#           regions with the same keys.
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
# Every target region, the build region included (the amazon plugin wants
# region_kms_key_ids and ami_regions to name the same regions), and its key.
variable "regions" { type = list(string) }
variable "keys" { type = map(string) }

source "amazon-ebs" "bench" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-bench-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  source "amazon-ebs.bench" {
    name = "plain"
  }
  source "amazon-ebs.bench" {
    name               = "anchor"
    encrypt_boot       = true
    region_kms_key_ids = var.keys
    ami_regions        = var.regions
  }
  source "amazon-ebs.bench" {
    name = "seal"
  }

  post-processor "golden-seal" {
    only                    = ["amazon-ebs.seal"]
    region                  = var.region
    skip_metadata_api_check = true
    regions                 = var.regions
    region_kms_key_ids      = var.keys
    ami_name                = "golden-bench-sealed-{{ .SourceAMI }}"
  }
}
