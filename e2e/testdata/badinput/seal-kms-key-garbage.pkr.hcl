# field: kms_key_id
# want: is not a KMS key id
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id = "key-1234"
  }
}
