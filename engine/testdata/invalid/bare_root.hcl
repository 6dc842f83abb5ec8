task "echo" "a" {
  message = var
}
