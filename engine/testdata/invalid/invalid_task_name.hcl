task "echo" "bad name" {
  message = "x"
}
