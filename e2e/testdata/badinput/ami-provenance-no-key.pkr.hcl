# field: require_provenance
# want: require_provenance: no trusted key
data "golden-ami" "bad" {
  region = "eu-west-1"
  family = "base"
  require_provenance {
    directories = ["/tmp"]
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
