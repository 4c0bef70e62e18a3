# field: only_rules
# want: only_rules
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    only_rules = ["sshd-permit-root-logn"]
  }
}
