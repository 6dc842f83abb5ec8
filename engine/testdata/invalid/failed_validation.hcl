variable "port" {
  type    = number
  default = 70000
  validation {
    condition     = var.port > 0 && var.port < 65536
    error_message = "The port must be from 1 to 65535."
  }
}
