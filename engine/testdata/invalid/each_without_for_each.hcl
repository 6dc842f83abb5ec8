task "echo" "a" {
  message = each.key
}
