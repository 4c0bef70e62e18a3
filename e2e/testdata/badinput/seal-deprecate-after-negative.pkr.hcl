# field: deprecate_after
# want: use a positive duration
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    deprecate_after = "-24h"
  }
}
