# One file per user, from a map: for_each makes an instance per key, and
# a second run changes nothing.

variable "dir" {
  type = string
}

variable "users" {
  type    = map(string)
  default = { alice = "admin", bob = "dev" }
}

task "copy" "user_file" {
  for_each = var.users
  content  = "${each.key}: ${each.value}\n"
  dest     = "${var.dir}/${each.key}.conf"
}

task "command" "count" {
  argv         = ["sh", "-c", "ls \"$1\" | wc -l", "sh", var.dir]
  changed_when = false
  depends_on   = [task.user_file]
}
