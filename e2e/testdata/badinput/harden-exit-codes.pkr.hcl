# field: valid_exit_codes
# want: valid_exit_codes: 300
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile          = "baseline"
    valid_exit_codes = [0, 300]
  }
}
