# field: assume_role
# want: role_arn
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    assume_role {
      role_arn = "role/golden"
    }
  }
}
