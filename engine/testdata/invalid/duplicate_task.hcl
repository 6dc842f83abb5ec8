task "echo" "a" {
  message = "x"
}

task "noop" "a" {
}
