variable "name" {
  type = string
}

variable "port" {
  type    = number
  default = 8080
  validation {
    condition     = var.port > 1024
    error_message = "The port must be above 1024."
  }
}

task "echo" "greet" {
  message = "${var.name} on ${var.port}"
}

output "greeting" {
  value = task.greet.message
}
