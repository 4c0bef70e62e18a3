# field: region_kms_key_ids["eu-west-1"]
# want: is in us-east-1
# want: name a key in eu-west-1
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    region_kms_key_ids = { "eu-west-1" = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
}
