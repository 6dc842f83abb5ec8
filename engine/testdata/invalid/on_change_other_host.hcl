host "web" {}
task "echo" "a" {
  on      = host.web
  message = "a"
}
task "echo" "b" {
  message   = "b"
  on_change = [task.a]
}
