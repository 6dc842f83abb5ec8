task "echo" "a" {
  message = "x"
  when    = 42
}
