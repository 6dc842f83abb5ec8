variable "password" {
  type      = string
  sensitive = true
  default   = "hunter2"
}

task "echo" "drop" {
  message = "dropping"
  confirm = "Drop the database with password ${var.password}?"
}
