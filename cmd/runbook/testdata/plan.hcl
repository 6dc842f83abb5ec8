# Three hosts in two groups; plan and graph never connect to them.

host "db1" {
  address = "127.0.0.2"
  groups  = ["db"]
}

host "db2" {
  address = "127.0.0.3"
  groups  = ["db"]
}

host "web" {
  address = "127.0.0.4"
  user    = "deploy"
}

variable "data_dir" {
  type    = string
  default = "/srv/data"
}

task "command" "version" {
  on   = group.db
  argv = ["cat", "/etc/version"]
}

task "command" "wipe" {
  on      = group.db
  confirm = "Deletes everything under ${var.data_dir}"
  cmd     = "rm -rf ${var.data_dir}/*"
  when    = task.version.stdout != "4.8"
}

task "command" "announce" {
  on  = [host.web]
  cmd = "echo db1 runs ${task.version.on.db1.stdout}"
}

task "assert" "safe_data_dir" {
  that    = var.data_dir != "/"
  message = "data_dir must not be the root directory."
}
