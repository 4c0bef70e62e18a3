required = ["Team"
allowed_values = {
