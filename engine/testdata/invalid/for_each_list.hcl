task "echo" "a" {
  for_each = ["x", "y"]
  message  = each.key
}
