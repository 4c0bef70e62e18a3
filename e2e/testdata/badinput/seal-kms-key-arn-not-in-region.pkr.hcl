# field: kms_key_id
# want: kms_key_id: key arn:aws:kms:us-east-1:123456789012:alias/golden is in us-east-1, not eu-west-1
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id = "arn:aws:kms:us-east-1:123456789012:alias/golden"
    regions    = ["eu-west-1"]
  }
}
