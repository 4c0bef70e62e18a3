# field: network
# want: network "bridge"
source "golden-sandbox" "bad" {
  network = "bridge"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
