# The smoke pipeline: the real amazon-ebs builder against the local AWS stand-in,
# with the sandbox's sshd standing in for the EC2 instance.
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "= 1.8.1"
    }
  }
}

variable "region" { type = string }
variable "source_ami" { type = string }
variable "ssh_port" { type = number }
variable "ssh_private_key_file" { type = string }

source "amazon-ebs" "smoke" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-smoke-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.amazon-ebs.smoke"]

  provisioner "shell" {
    inline = [
      "echo smoke > /etc/golden-smoke",
      "cat /etc/debian_version",
    ]
  }
}
