# A task run through sudo on a host reached over SSH, whose block sets no
# sudo password, and a task on the control node that counts the
# variables of its environment that name the sudo password.

variable "address" {
  type = string
}

variable "port" {
  type = number
}

variable "user" {
  type = string
}

variable "identity" {
  type = string
}

host "remote" {
  address       = var.address
  port          = var.port
  user          = var.user
  identity_file = var.identity
}

task "command" "as_root" {
  on   = [host.remote]
  sudo = true
  argv = ["id", "-u"]
}

task "command" "local_env" {
  cmd = "env | grep -c RUNBOOK_SUDO_PASSWORD || true"
}
