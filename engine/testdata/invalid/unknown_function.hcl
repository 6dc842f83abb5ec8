task "echo" "a" {
  message = uper("x")
}
