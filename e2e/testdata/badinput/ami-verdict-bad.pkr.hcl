# field: require_hardening_verdict
# want: require_hardening_verdict
data "golden-ami" "bad" {
  region = "eu-west-1"
  family                    = "base"
  require_hardening_verdict = "good"
  require_provenance {
    kms_key_id = "alias/golden-provenance"
  }
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
