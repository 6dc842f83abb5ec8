# A playbook for runbook run --check --diff: one file differs, one is
# missing, one is secret, a command cannot be predicted, and another
# reads the outputs of a task that would change.
variable "dir" {
  type = string
}

variable "secret" {
  type      = string
  sensitive = true
  default   = "s3cret-value"
}

task "copy" "conf" {
  dest    = "${var.dir}/app.conf"
  content = "port = 8080\nworkers = 8\n"
  mode    = "0600"
}

task "copy" "new" {
  dest    = "${var.dir}/new.txt"
  content = "hello\n"
}

task "copy" "secret" {
  dest    = "${var.dir}/secret"
  content = var.secret
}

task "command" "restart" {
  argv = ["touch", "${var.dir}/restarted"]
}

task "command" "report" {
  argv = ["echo", task.conf.sha256]
}
