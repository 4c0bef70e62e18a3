# field: ami_users
# want: ami_users
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    ami_users = 123456789012
  }
}
