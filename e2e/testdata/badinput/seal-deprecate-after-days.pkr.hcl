# field: deprecate_after
# want: deprecate_after
# want: write a duration as numbers with the units h, m and s
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    deprecate_after = "90 days"
  }
}
