task "echo" "a" {
  message = "a"
  tags    = { db = true }
}
