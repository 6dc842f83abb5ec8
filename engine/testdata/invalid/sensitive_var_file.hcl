# The var file beside this playbook gives its sensitive variables values
# that are refused. The errors point at the declarations, never at the
# var file's lines, which hold the values.
variable "pin" {
  type      = number
  sensitive = true
}

variable "codes" {
  type      = list(string)
  sensitive = true
}

variable "token" {
  type      = string
  sensitive = true
}

variable "port" {
  type = number
}
