task "echo" "a" {
  message      = "x"
  changed_when = "sometimes"
}
