# field: sensitive_env
# want: sensitive_env: API_TOKEN is also set in env or environment_vars
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  provisioner "golden-harden" {
    profile          = "baseline"
    environment_vars = ["API_TOKEN=abc"]
    sensitive_env    = { API_TOKEN = "abc" }
  }
}
