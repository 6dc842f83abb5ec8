task "echo" "a" {
  message = "a"
}
task "echo" "b" {
  message = "b"
  tags    = [task.a.message]
}
