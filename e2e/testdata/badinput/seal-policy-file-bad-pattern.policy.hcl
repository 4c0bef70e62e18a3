patterns = { Team = "[a-z" }
