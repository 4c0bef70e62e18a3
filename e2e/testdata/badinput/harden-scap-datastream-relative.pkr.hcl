# field: scap.datastream
# want: datastream
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    scap {
      datastream = "ssg-debian12-ds.xml"
      profile    = "standard"
    }
  }
}
