task "echo" "a" {
  for_each = toset(["on", "off"])
  message  = each.key
}
