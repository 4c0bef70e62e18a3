# field: deprecate_at
# want: deprecate_at and deprecate_after both set
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    deprecate_at    = "2099-01-01T00:00:00Z"
    deprecate_after = "720h"
  }
}
