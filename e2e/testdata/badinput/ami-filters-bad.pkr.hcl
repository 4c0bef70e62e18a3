# field: filters
# want: filters
data "golden-ami" "bad" {
  region = "eu-west-1"
  filters = { "colour" = "blue" }
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
