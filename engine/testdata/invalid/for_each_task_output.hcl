task "echo" "a" {
  message = "x"
  items   = ["x"]
}
task "echo" "b" {
  for_each = toset(task.a.items)
  message  = each.key
}
