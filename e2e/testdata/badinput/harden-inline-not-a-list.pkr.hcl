# field: inline
# want: inline
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    inline = "echo hello"
  }
}
