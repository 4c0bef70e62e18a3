# field: ami_name
# want: templates see .SourceAMI
# want: SourceAmi
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    ami_name = "golden-{{ .SourceAmi }}"
  }
}
