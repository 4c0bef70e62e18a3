# field: ami_users
# want: "12345" is not an AWS account id
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id = "alias/golden"
    ami_users  = ["12345"]
  }
}
