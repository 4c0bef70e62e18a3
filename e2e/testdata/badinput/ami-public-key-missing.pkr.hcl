# field: require_provenance.public_key_file
# want: require_provenance.public_key_file
data "golden-ami" "bad" {
  region = "eu-west-1"
  family = "base"
  require_provenance {
    public_key_file = "${path.root}/missing.pem"
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
