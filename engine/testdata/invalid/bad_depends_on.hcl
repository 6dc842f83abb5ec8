variable "x" {
  default = 1
}

task "echo" "a" {
  message    = "x"
  depends_on = [var.x]
}
