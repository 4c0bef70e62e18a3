# field: ami_ou_arns
# want: is not an organizational unit ARN
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id  = "alias/golden"
    ami_ou_arns = ["arn:aws:organizations::123456789012:organization/o-abcdefghij"]
  }
}
