# field: rule_overrides
# want: rule_overrides: unknown rule parameter "no_such_parameter"
# want: docs list each rule's parameters
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile        = "baseline"
    rule_overrides = { no_such_parameter = "1" }
  }
}
