# The var file beside this playbook does not parse either: its error is
# shown with the playbook's, without its lines, as whether they hold a
# sensitive value is not known.
variable "token" {
  type      = string
  sensitive = true;
}
