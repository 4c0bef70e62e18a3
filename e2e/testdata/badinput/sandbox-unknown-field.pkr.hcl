# field: suit
# want: An argument named "suit" is not expected here
source "golden-sandbox" "bad" {
  suit = "bookworm"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
