# The golden-image pipeline that `make demo` runs against the local stand-ins:
# moto plays AWS (AWS_ENDPOINT_URL), and a Debian sandbox's sshd plays the EC2
# instance (ssh_host/ssh_port). Against real AWS, drop ssh_host/ssh_port and
# ssh_private_key_file and set a real source AMI filter.
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
  type    = string
  default = "us-east-1"
}

variable "source_ami" {
  type        = string
  description = "The Debian 12 AMI to start from."
}

variable "ssh_port" {
  type    = number
  default = 22
}

variable "ssh_private_key_file" {
  type    = string
  default = ""
}

variable "seal_regions" {
  type        = list(string)
  default     = ["eu-west-1"]
  description = "Regions golden-seal copies the image into, besides the build region."
}

variable "manifest" {
  type    = string
  default = "packer-manifest.json"
}

variable "provenance_key" {
  type        = string
  default     = "alias/golden-provenance"
  description = "The KMS key (SIGN_VERIFY, ECC_NIST_P256) that signs each sealed image's provenance."
}

variable "provenance_bucket" {
  type        = string
  default     = "golden-provenance"
  description = "The S3 bucket, in the build region, that keeps the provenance records."
}

source "amazon-ebs" "golden" {
  region                  = var.region
  source_ami              = var.source_ami
  instance_type           = "t3.micro"
  ami_name                = "golden-debian-12-{{timestamp}}"
  skip_metadata_api_check = true

  communicator         = "ssh"
  ssh_username         = "root"
  ssh_host             = "127.0.0.1"
  ssh_port             = var.ssh_port
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.amazon-ebs.golden"]

  provisioner "shell" {
    inline = ["echo golden > /etc/golden-release"]
  }

  # golden-harden runs the hardening baseline on the instance before the image
  # is taken (reports beside the manifest); golden-seal finds its report.
  provisioner "golden-harden" {
    fail_on    = "high"
    report_dir = "${dirname(var.manifest)}/golden-harden-reports"
  }

  # golden-seal encrypts the image in every region (here with the AWS managed
  # key; set kms_key_id to your own), tags it on create, signs and stores the
  # provenance of each copy (with golden-harden's report) and removes the
  # unencrypted build image; the manifest then records the sealed images.
  post-processors {
    post-processor "golden-seal" {
      region                  = var.region
      skip_metadata_api_check = true
      regions                 = var.seal_regions
      ami_name                = "golden-debian-12-sealed-{{ timestamp }}"
      tags = {
        Name      = "golden-debian-12"
        SourceAMI = "{{ .SourceAMI }}"
      }

      provenance {
        kms_key_id        = var.provenance_key
        s3_bucket         = var.provenance_bucket
        s3_prefix         = "debian-12"
        ssm_prefix        = "/golden/provenance"
        template_files    = ["${path.root}/demo.pkr.hcl"]
        variables         = { region = var.region, seal_regions = join(",", var.seal_regions) }
        require_hardening = true
      }
    }
    post-processor "manifest" {
      output = var.manifest
    }
  }
}
