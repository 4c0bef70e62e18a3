# field: suite
# want: suite "Bookworm!"
source "golden-sandbox" "bad" {
  suite = "Bookworm!"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
