task "echo" "a" {
  for_each = null
  message  = "x"
}
