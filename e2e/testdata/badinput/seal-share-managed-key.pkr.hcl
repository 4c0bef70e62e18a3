# field: kms_key_id
# want: AWS managed key alias/aws/ebs cannot be shared
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id = "alias/aws/ebs"
    ami_users  = ["111122223333"]
  }
}
