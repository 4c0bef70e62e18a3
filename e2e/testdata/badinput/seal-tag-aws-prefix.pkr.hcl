# field: tags
# want: tags
# want: aws:
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = { "aws:owner" = "me" }
  }
}
