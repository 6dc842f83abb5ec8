task "echo" "a" {
  on      = 42
  message = "x"
}
