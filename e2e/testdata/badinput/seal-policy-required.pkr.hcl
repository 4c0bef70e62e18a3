# field: tags
# want: tags
# want: Team
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = { Name = "golden" }
    tag_policy {
      required = ["Team"]
    }
  }
}
