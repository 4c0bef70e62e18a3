# field: kms_key_id
# want: cannot be shared
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    ami_users = ["111122223333"]
  }
}
