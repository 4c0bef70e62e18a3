# A tag policy shared across teams: golden-seal checks the tags of every sealed
# image and snapshot against it (at packer validate when the values are known,
# and again once rendered, before any change in AWS).
required       = ["Owner", "Environment", "CostCenter"]
allowed_values = { Environment = ["dev", "staging", "prod"] }
patterns = {
  CostCenter = "CC-[0-9]{4}"
  Owner      = "[a-z0-9.-]+@example\\.com"
}
forbidden = ["tmp:*"]
