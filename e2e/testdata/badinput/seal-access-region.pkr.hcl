# field: region
# want: region
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    region = "mars-north-1"
  }
}
