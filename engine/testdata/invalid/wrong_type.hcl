task "echo" "a" {
  message = "hi"
  items   = { a = 1 }
}
