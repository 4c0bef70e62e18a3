# field: bind_mounts
# want: bind_mounts
source "golden-sandbox" "bad" {
  bind_mounts = ["relative/dir:/mnt"]
}

build {
  sources = ["source.golden-sandbox.bad"]
}
