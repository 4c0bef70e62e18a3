# field: regions
# want: regions: "eu-west" is not a region name
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    region_kms_key_ids = { "eu-west-1" = "alias/golden" }
    regions            = ["eu-west"]
  }
}
