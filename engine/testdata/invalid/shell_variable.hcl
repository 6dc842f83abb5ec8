task "echo" "a" {
  message = "home is ${HOME}"
}
