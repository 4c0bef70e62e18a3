# The tag policy of the platform team, shared by every golden image pipeline.
required       = ["Owner", "CostCenter", "Environment"]
allowed_values = { Environment = ["dev", "staging", "prod"] }
patterns = {
  CostCenter = "CC-[0-9]{4}"
  Owner      = "[a-z.]+@example\\.com"
}
forbidden = ["Name", "tmp:*"]
