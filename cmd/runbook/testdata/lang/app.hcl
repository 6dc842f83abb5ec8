# An application's settings on the hosts of group web, one file per
# setting (DIR/HOST-SETTING), written as the application's user, and a
# restart of the application when one changed, as that user too. The
# hosts come from an inventory.

variable "dir" {
  type = string
}

variable "app_user" {
  type = string
}

variable "settings" {
  type    = map(string)
  default = { port = "8080", workers = "4" }
}

task "copy" "setting" {
  on        = group.web
  for_each  = var.settings
  content   = "${each.value}\n"
  dest      = "${var.dir}/${self.name}-${each.key}"
  sudo_user = var.app_user
  tags      = ["config"]
}

task "shell" "restart" {
  on        = group.web
  script    = "id -un >> ${var.dir}/${self.name}-restarts"
  sudo_user = var.app_user
  on_change = [task.setting]
  tags      = ["config"]
}

task "command" "port" {
  on           = group.web
  argv         = ["cat", "${var.dir}/${self.name}-port"]
  sudo_user    = var.app_user
  changed_when = false
  depends_on   = [task.setting["port"]]
}
