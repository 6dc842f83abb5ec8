variable "creds" {
  type      = object({ user = string, password = string })
  sensitive = true
  default   = { user = "admin", password = "hunter2" }
}

task "echo" "a" {
  message = var.creds.password * 2
}
