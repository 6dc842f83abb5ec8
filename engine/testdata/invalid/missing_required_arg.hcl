task "echo" "a" {
  count = 1
}
