# field: timeout
# want: timeout is -1h0m0s
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    timeout = "-1h"
  }
}
