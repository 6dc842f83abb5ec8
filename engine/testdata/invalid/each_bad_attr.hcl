task "echo" "a" {
  for_each = toset(["x"])
  message  = each.kee
}
