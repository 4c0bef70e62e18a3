# field: kms_key
# want: An argument named "kms_key" is not expected here
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    kms_key = "alias/golden"
  }
}
