task "echo" "a" {
  message = "x"
  retries = -1
}
