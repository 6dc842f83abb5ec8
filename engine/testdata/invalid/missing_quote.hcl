task "echo" "a" {
  message = "x
}
task "echo" "b" {
  message = "y"
}
