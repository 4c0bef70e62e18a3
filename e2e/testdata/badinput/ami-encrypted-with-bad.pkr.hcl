# field: require_encrypted_with
# want: require_encrypted_with
data "golden-ami" "bad" {
  region = "eu-west-1"
  family                 = "base"
  require_encrypted_with = ["golden-key"]
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
