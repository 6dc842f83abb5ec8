task "echo" "a" {
  message = "a"
  tags    = ["db", "web server"]
}
