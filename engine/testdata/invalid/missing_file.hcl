task "echo" "a" {
  message = file("nope.txt")
}
