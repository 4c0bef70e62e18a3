# field: fail_on
# want: fail_on
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    fail_on = 3
  }
}
