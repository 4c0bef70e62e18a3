# field: tags
# want: tags
# want: tmp:owner
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = { "tmp:owner" = "me" }
    tag_policy {
      forbidden = ["tmp:*"]
    }
  }
}
