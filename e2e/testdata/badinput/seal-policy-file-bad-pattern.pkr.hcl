# field: tag_policy_file
# want: tag_policy_file
# want: patterns["Team"]
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tag_policy_file = "${path.root}/seal-policy-file-bad-pattern.policy.hcl"
  }
}
