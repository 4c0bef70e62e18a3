variable "region" {
  type    = string
  default = "us-east-1"
}
variable "regions" { type = list(string) }
variable "team" {
  type    = string
  default = "platform"
}
variable "token" {
  type      = string
  sensitive = true
  default   = "s3cr3t"
}

locals {
  tags  = merge(local.base, { Name = "golden-${var.region}" })
  base  = { Team = upper(var.team) }
  label = "built"
}

source "null" "a" {
  communicator = "none"
}

build {
  name    = "golden"
  sources = ["source.null.a"]

  post-processor "golden-seal" {
    region  = var.region
    regions = var.regions
    tags    = merge(local.tags, { Source = build.SourceAMIName })
    only    = ["null.a"]
    provenance {
      s3_bucket = "records-${local.label}"
    }
  }

  post-processors {
    post-processor "manifest" {}
    post-processor "golden-seal" {
      region = "eu-west-1"
      tags   = { Token = var.token }
    }
  }
}
