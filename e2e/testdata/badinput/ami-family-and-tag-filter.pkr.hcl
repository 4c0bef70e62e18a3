# field: family
# want: family and filters["tag:golden:family"] both set
data "golden-ami" "bad" {
  region = "eu-west-1"
  family  = "base"
  filters = { "tag:golden:family" = "base" }
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
