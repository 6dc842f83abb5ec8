# A deployment on the hosts of group web: a config file whose change is
# handled twice (a reload right away, a restart after the migration),
# and a migration that fails until DIR/HOST/fixed exists. The hosts come
# from an inventory; var.dir is where each host keeps its files.

variable "dir" {
  type = string
}

task "copy" "conf" {
  on      = group.web
  content = "listen 8080\n"
  dest    = "${var.dir}/${self.name}/app.conf"
  tags    = ["config"]
}

task "shell" "reload" {
  on        = group.web
  script    = "echo reload >> ${var.dir}/${self.name}/handlers"
  on_change = [task.conf]
  tags      = ["config"]
}

task "shell" "migrate" {
  on           = group.web
  script       = "test -e ${var.dir}/${self.name}/fixed"
  changed_when = false
  tags         = ["db"]
}

task "shell" "restart" {
  on        = group.web
  script    = "echo restart >> ${var.dir}/${self.name}/handlers"
  on_change = [task.conf, task.migrate]
  tags      = ["db"]
}
