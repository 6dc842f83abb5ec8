task "echo" "a" {
  message = "x"
  labels  = { a = ["x"] }
}
