# field: require_hardening_verdict
# want: require_hardening_verdict
# want: add require_provenance
data "golden-ami" "bad" {
  region = "eu-west-1"
  family                    = "base"
  require_hardening_verdict = "pass"
}

source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "shell-local" {
    inline = ["echo ${data.golden-ami.bad.id}"]
  }
}
