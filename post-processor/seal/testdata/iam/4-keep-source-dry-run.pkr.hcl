# One region, the unencrypted input kept, provenance only in a directory,
# signed with a KMS key named by ARN, and retention that only reports.
source "amazon-ebs" "base" {
  region        = "ap-southeast-2"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "base-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.base"]

  post-processor "golden-seal" {
    region            = "ap-southeast-2"
    kms_key_id        = "arn:aws:kms:ap-southeast-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    keep_source_image = true
    family            = "debian-12"

    provenance {
      kms_key_id = "arn:aws:kms:ap-southeast-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
      directory  = "provenance"
    }

    retention {
      max_age = "90d"
      dry_run = true
    }
  }
}
