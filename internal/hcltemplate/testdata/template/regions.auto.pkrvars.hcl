regions = ["ap-south-1"]
