task "echo" "a" {
  message = task.a.message
}
