# field: script
# want: is a directory
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    script = "${path.root}"
  }
}
