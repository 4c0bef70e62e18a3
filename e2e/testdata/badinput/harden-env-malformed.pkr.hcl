# field: environment_vars
# want: environment_vars: "TEAM"
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile          = "baseline"
    environment_vars = ["TEAM"]
  }
}
