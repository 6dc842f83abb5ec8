host "a" {}
host "b" {}

task "echo" "x" {
  on      = [host.a, host.b]
  message = task.y.message
}

task "echo" "y" {
  on      = [host.a, host.b]
  message = task.x.on.a.message
}
