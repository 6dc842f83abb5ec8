task "echo" "a" {
  message = "hi"
  items = [1, 2
}
