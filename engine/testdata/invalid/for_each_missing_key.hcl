task "echo" "user" {
  for_each = { alice = 1, bob = 2 }
  message  = each.key
}
task "echo" "b" {
  message = task.user["alcie"].message
}
