# field: ami_name
# want: ami_name
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    ami_name = "golden-{{ .SourceAMI }"
  }
}
