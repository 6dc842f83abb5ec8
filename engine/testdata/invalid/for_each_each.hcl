task "echo" "a" {
  for_each = toset([each.key])
  message  = "x"
}
