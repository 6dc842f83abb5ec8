task "echo" "a" {
  for_each = 3
  message  = "x"
}
