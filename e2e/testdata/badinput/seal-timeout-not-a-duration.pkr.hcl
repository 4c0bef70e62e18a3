# field: timeout
# want: timeout: write a duration
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    timeout = "forever"
  }
}
