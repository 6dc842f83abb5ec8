task "flaky" "a" {
  key     = "k"
  retries = 3
  until   = task.a.attempt > 2
}
