task "echo" "a" {
  message = "a"
}
task "echo" "b" {
  message = task.a["x"].message
}
