task "echo" "user" {
  for_each = toset(["alice"])
  message  = each.key
}
task "echo" "b" {
  message = task.user.message
}
