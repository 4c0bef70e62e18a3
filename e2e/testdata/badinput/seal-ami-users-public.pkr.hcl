# field: ami_users
# want: "all" is not an AWS account id
# want: public sharing is not possible
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id = "alias/golden"
    ami_users  = ["all"]
  }
}
