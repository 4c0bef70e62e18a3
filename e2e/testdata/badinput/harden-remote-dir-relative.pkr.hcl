# field: remote_dir
# want: remote_dir "tmp/golden" is not an absolute path
# want: such as /tmp
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile    = "baseline"
    remote_dir = "tmp/golden"
  }
}
