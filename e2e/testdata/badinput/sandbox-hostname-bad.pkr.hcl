# field: hostname
# want: hostname "-build-"
source "golden-sandbox" "bad" {
  hostname = "-build-"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
