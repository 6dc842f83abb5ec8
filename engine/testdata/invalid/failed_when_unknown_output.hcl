task "echo" "a" {
  message     = "x"
  failed_when = result.exit_code != 0
}
