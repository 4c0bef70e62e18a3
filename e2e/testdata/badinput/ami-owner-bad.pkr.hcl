# field: owners
# want: owners: "me"
data "golden-ami" "bad" {
  region = "eu-west-1"
  family = "base"
  owners = ["me"]
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
