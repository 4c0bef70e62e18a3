# field: region_kms_key_ids
# want: region_kms_key_ids has no key for ap-south-1
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    region_kms_key_ids = { "eu-west-1" = "alias/golden" }
    regions            = ["ap-south-1", "eu-west-1"]
  }
}
