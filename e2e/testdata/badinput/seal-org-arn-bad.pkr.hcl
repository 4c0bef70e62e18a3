# field: ami_org_arns
# want: is not an organization ARN
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key_id   = "alias/golden"
    ami_org_arns = ["o-abcdefghij"]
  }
}
