# field: family
# want: family: not a family name
data "golden-ami" "bad" {
  region = "eu-west-1"
  family = "golden|base"
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
