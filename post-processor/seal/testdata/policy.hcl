required       = ["Owner", "Environment"]
allowed_values = { Environment = ["dev", "prod"] }
patterns       = { Owner = "[a-z]+@example\\.com" }
forbidden      = ["tmp:*"]
