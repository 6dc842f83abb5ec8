task "echo" "a" {
  message  = "a"
  throttle = 0
}
