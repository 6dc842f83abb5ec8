host "web" {}
task "echo" "user" {
  on       = host.web
  for_each = toset(["alice"])
  message  = each.key
}
task "echo" "b" {
  message = task.user.on.web["bob"].message
}
