tsak "echo" "a" {
  message = "x"
}
