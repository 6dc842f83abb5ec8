variable "users" {
  type      = set(string)
  default   = ["hunter2"]
  sensitive = true
}
task "echo" "a" {
  for_each = var.users
  message  = "x"
}
