# Steps run as another user through sudo on the hosts of group web: who
# they run as, and the command lines of the host's processes while one
# runs, kept in DIR/HOST.ps. The hosts come from an inventory.

variable "dir" {
  type = string
}

variable "app_user" {
  type = string
}

task "command" "whoami" {
  on           = group.web
  argv         = ["id", "-un"]
  sudo_user    = var.app_user
  changed_when = false
}

task "shell" "processes" {
  on        = group.web
  script    = "ps -eo args > ${var.dir}/${self.name}.ps"
  sudo_user = var.app_user
}
