# field: rootfs_tarball
# want: rootfs_tarball and rootfs_dir are both set
source "golden-sandbox" "bad" {
  rootfs_tarball = "${path.root}/plugins.pkr.hcl"
  rootfs_dir     = "${path.root}"
}

build {
  sources = ["source.golden-sandbox.bad"]
}
