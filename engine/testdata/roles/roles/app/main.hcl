variable "name" {
  type = string
}

variable "port" {
  type = number
  validation {
    condition     = var.port > 1024
    error_message = "The port must be above 1024."
  }
}

variable "suffix" {
  type    = string
  default = "!"
}

locals {
  line = "${var.name} on ${var.port}${var.suffix}"
}

task "echo" "greet" {
  message = local.line
}

task "echo" "check" {
  message = "checked ${task.greet.message}"
}

role "conf" {
  source = "../conf"
  path   = "/etc/${var.name}.conf"
}

output "greeting" {
  value = task.check.message
  type  = string
}

output "by_host" {
  value = { for h, o in task.greet.on : h => o.message }
}

output "conf" {
  value = role.conf.written
}
