# A bad timeout leaves the module's arguments checked: a variable that
# both take is reported at each place that takes it.
variable "wait" {
  type    = string
  default = "soon"
}

task "echo" "a" {
  message = "x"
  timeout = var.wait
  count   = var.wait
}
