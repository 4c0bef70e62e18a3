# The smoke pipeline with golden-harden: amazon-ebs (hashicorp/amazon) builds
# against the local AWS stand-in, the sandbox's sshd plays the EC2 instance, and
# golden-harden runs the baseline on it before the AMI is created.
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
variable "report_dir" { type = string }
variable "rendezvous_dir" { type = string }

source "amazon-ebs" "hardened" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-hardened-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.amazon-ebs.hardened"]

  provisioner "golden-harden" {
    fail_on          = "low"
    inline           = ["echo \"hardened for $TEAM\""]
    environment_vars = ["TEAM=platform"]
    report_dir       = var.report_dir
    rendezvous_dir   = var.rendezvous_dir
  }
}
