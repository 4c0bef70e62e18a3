# field: regions
# want: regions
# want: list of string required
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    regions = "eu-west-1"
  }
}
