# field: snapshot_users
# want: is not an AWS account id
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id     = "alias/golden"
    snapshot_users = ["1234567890123"]
  }
}
