task "flaky" "a" {
  key     = "k"
  retries = 3
  until   = result.attemp > 2
}
