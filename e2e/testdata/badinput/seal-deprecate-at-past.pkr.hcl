# field: deprecate_at
# want: is in the past
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    deprecate_at = "2001-01-01T00:00:00Z"
  }
}
