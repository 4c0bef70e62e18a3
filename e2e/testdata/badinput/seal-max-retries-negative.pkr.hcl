# field: max_retries
# want: max_retries
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    max_retries = -1
  }
}
