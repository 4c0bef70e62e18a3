# field: tag_policy
# want: tag_policy and tag_policy_file
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = { Team = "platform" }
    tag_policy {
      allowed_values = { Team = ["platform"] }
    }
    tag_policy_file = "${path.root}/seal-policy-file-conflict.policy.hcl"
  }
}
