# field: tags["Source"]
# want: tags["Source"]
# want: SourceAmi
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = { Source = "{{ .SourceAmi }}" }
  }
}
