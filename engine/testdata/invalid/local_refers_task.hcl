task "echo" "a" {
  message = "x"
}

locals {
  m = task.a.message
}
