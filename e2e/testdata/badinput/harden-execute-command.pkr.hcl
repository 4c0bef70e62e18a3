# field: execute_command
# want: execute_command
# want: {{.Path}}
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile         = "baseline"
    execute_command = "sh /tmp/bundle"
  }
}
