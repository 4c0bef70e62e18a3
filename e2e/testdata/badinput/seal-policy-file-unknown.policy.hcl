requird = ["Team"]
