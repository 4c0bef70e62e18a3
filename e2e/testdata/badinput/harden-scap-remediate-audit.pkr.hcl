# field: scap.remediate
# want: scap.remediate = true with mode = "audit"
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    mode = "audit"
    scap {
      datastream = "/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
      profile    = "standard"
      remediate  = true
    }
  }
}
