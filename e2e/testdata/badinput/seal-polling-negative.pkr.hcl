# field: aws_polling
# want: max_attempts
source "null" "bad" {
  communicator = "none"
}

build {
  sources = ["source.null.bad"]

  post-processor "golden-seal" {
    aws_polling {
      delay_seconds = -5
      max_attempts  = -1
    }
  }
}
