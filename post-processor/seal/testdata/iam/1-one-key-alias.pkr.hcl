# Seal into the build region and two more, each copy encrypted with the key
# that the alias golden names in its region.
source "amazon-ebs" "base" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "base-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.base"]

  post-processor "golden-seal" {
    region     = "us-east-1"
    regions    = ["eu-west-1", "ap-south-1"]
    kms_key_id = "alias/golden"
    tags       = { Team = "platform" }
  }
}
