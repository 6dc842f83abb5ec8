task "echo" "a" {
  message     = "x"
  failed_when = result.count
}
