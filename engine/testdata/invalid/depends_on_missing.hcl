task "echo" "a" {
  message    = "x"
  depends_on = [task.b]
}
