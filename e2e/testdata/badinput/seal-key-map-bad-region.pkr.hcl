# field: region_kms_key_ids["europe"]
# want: is not a region name
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    region_kms_key_ids = { "europe" = "alias/golden" }
  }
}
