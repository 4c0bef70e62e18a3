# field: mirror
# want: mirror "deb.debian.org/debian"
source "golden-sandbox" "bad" {
  mirror = "deb.debian.org/debian"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
