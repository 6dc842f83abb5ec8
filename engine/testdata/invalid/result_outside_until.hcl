task "echo" "a" {
  message = result.message
}
