allowed_values = { Team = ["security"] }
