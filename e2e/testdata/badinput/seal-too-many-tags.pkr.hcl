# field: tags
# want: tags
# want: 50
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    tags = {
      Tag1 = "v"
      Tag2 = "v"
      Tag3 = "v"
      Tag4 = "v"
      Tag5 = "v"
      Tag6 = "v"
      Tag7 = "v"
      Tag8 = "v"
      Tag9 = "v"
      Tag10 = "v"
      Tag11 = "v"
      Tag12 = "v"
      Tag13 = "v"
      Tag14 = "v"
      Tag15 = "v"
      Tag16 = "v"
      Tag17 = "v"
      Tag18 = "v"
      Tag19 = "v"
      Tag20 = "v"
      Tag21 = "v"
      Tag22 = "v"
      Tag23 = "v"
      Tag24 = "v"
      Tag25 = "v"
      Tag26 = "v"
      Tag27 = "v"
      Tag28 = "v"
      Tag29 = "v"
      Tag30 = "v"
      Tag31 = "v"
      Tag32 = "v"
      Tag33 = "v"
      Tag34 = "v"
      Tag35 = "v"
      Tag36 = "v"
      Tag37 = "v"
      Tag38 = "v"
      Tag39 = "v"
      Tag40 = "v"
      Tag41 = "v"
      Tag42 = "v"
      Tag43 = "v"
      Tag44 = "v"
      Tag45 = "v"
      Tag46 = "v"
      Tag47 = "v"
      Tag48 = "v"
    }
  }
}
