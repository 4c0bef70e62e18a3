# field: tags
# want: tags
# want: Team
# want: marketing
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = { Team = "marketing" }
    tag_policy {
      allowed_values = { Team = ["platform", "security"] }
    }
  }
}
