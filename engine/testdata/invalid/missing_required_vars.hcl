variable "primary" {
  description = "Address of the primary."
}

variable "secondary" {
  description = "Address of the secondary."
}

variable "port" {
  default = 22
}

task "echo" "a" {
  message = "${var.primary} ${var.secondary}"
}
