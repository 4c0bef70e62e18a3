# field: output_format
# want: output_format "qcow2"
source "golden-sandbox" "bad" {
  output_format = "qcow2"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
