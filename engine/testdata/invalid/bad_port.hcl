host "a" {
  port = 70000
}
