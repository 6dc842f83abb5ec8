task "echo" "a" {
  message = "x"
  timeout = "soon"
}
