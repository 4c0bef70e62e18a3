# field: family
# want: no family and no filters
data "golden-ami" "bad" {
  region = "eu-west-1"
  owners = ["self"]
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
