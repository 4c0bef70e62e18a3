# A key named by ARN in each region; the images shared with an account and an
# organization, their snapshots with an account, and deprecated after 90 days.
source "amazon-ebs" "base" {
  region        = "eu-west-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "base-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.base"]

  post-processor "golden-seal" {
    region  = "eu-west-1"
    regions = ["eu-central-1"]
    region_kms_key_ids = {
      "eu-west-1"    = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      "eu-central-1" = "arn:aws:kms:eu-central-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
    }
    ami_users       = ["444455556666"]
    ami_org_arns    = ["arn:aws:organizations::111122223333:organization/o-abcdefghij"]
    snapshot_users  = ["444455556666"]
    deprecate_after = "2160h"
  }
}
