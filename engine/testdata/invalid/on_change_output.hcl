host "web" {}
task "echo" "a" {
  message = "a"
}
task "echo" "b" {
  message   = "b"
  on_change = [task.a.message]
}
