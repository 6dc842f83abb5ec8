# The var file beside this playbook does not parse: its lines are not
# shown, as the one at fault may hold a sensitive value.
variable "token" {
  type      = string
  sensitive = true
}
