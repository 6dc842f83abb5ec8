variable "port" {
  default = 1
}

task "echo" "a" {
  message = "${var.prot}"
}
