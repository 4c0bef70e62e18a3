# With signed provenance (a KMS key, records in S3 encrypted with a KMS key,
# in SSM and in a directory), the family tag and retention of the newest five.
source "amazon-ebs" "base" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "base-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.base"]

  post-processor "golden-seal" {
    region     = "us-east-1"
    regions    = ["eu-west-1"]
    kms_key_id = "alias/golden"
    family     = "debian-12"

    provenance {
      kms_key_id    = "alias/golden-provenance"
      s3_bucket     = "example-provenance"
      s3_prefix     = "golden"
      s3_kms_key_id = "alias/golden-records"
      ssm_prefix    = "/golden/provenance"
      directory     = "provenance"
    }

    retention {
      keep_latest          = 5
      deprecate_superseded = true
    }
  }
}
