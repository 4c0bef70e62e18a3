# field: environment
# want: environment: "1TEAM"
source "golden-sandbox" "bad" {
  environment = { "1TEAM" = "platform" }
}

build {
  sources = ["source.golden-sandbox.bad"]
}
