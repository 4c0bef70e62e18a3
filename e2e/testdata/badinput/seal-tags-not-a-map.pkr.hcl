# field: tags
# want: tags
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = ["Team=platform"]
  }
}
