# field: tag_policy_file
# want: tag_policy_file
# want: no such file
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tag_policy_file = "${path.root}/missing-policy.hcl"
  }
}
