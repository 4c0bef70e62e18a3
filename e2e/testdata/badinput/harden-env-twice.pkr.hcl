# field: env
# want: env: TEAM is also set in environment_vars
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile          = "baseline"
    environment_vars = ["TEAM=platform"]
    env              = { TEAM = "security" }
  }
}
