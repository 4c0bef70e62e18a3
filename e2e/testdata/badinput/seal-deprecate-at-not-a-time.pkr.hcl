# field: deprecate_at
# want: is not an RFC 3339 time
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    deprecate_at = "next year"
  }
}
