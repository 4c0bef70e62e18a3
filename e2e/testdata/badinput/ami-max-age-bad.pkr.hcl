# field: max_age
# want: max_age
data "golden-ami" "bad" {
  region = "eu-west-1"
  family  = "base"
  max_age = "3 days"
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
