variable "password" {
  type      = string
  sensitive = true
  default   = "hunter2"
  validation {
    condition     = length(var.password) >= 12
    error_message = "The password ${var.password} is too short."
  }
}
