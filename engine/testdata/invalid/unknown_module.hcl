task "ecko" "a" {
  message = "hi"
}
