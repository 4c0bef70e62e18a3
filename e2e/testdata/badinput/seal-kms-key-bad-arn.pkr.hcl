# field: kms_key_id
# want: is not a KMS key id, key ARN, alias/NAME or alias ARN
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id = "arn:aws:kms:eu-west-1:123456789012:secret/golden"
  }
}
