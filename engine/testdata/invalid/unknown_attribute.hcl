task "echo" "a" {
  mesage = "hi"
}
