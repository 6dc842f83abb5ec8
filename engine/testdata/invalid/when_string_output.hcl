task "echo" "a" {
  message = "yes"
}
task "echo" "b" {
  message = "b"
  when    = task.a.message
}
