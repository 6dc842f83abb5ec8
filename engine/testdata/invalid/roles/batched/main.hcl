task "echo" "a" {
  message = "a"
  batch   = 1
}
