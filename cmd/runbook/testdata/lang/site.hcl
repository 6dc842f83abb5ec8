# A small site on the hosts of group web: a file per user (for_each), a
# handler that reloads when a file changed, a readiness check retried
# until it passes, a log scan whose failure is ignored, a rolling step
# two instances at a time, and a report that reads a keyed output of
# another host. The hosts come from an inventory; var.dir is where each
# host keeps its files (DIR/HOST/...).

variable "dir" {
  type = string
}

variable "users" {
  type    = map(string)
  default = { alice = "admin", bob = "dev" }
}

task "copy" "profile" {
  on       = group.web
  for_each = var.users
  content  = "export ROLE=${each.value}\n"
  dest     = "${var.dir}/${self.name}/${each.key}.profile"
  tags     = ["users"]
}

task "shell" "motd" {
  on           = group.web
  script       = "grep -qx hello ${var.dir}/${self.name}/motd 2>/dev/null || { echo hello >> ${var.dir}/${self.name}/motd; echo added; }"
  changed_when = result.stdout == "added"
  tags         = ["users"]
}

task "shell" "reload" {
  on        = group.web
  script    = "echo reloaded >> ${var.dir}/${self.name}/reloads"
  on_change = [task.profile, task.motd]
  tags      = ["users"]
}

task "shell" "ready" {
  on           = group.web
  script       = "n=$(cat ${var.dir}/${self.name}/count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${var.dir}/${self.name}/count; echo $n; exit 3"
  failed_when  = result.exit_code != 3 # 3 means "up"
  until        = tonumber(result.stdout) >= 3
  retries      = 5
  delay        = "100ms"
  changed_when = false
  depends_on   = [task.reload]
}

task "shell" "scan_log" {
  on            = group.web
  script        = "echo 'ERROR: disk almost full'"
  failed_when   = length(regexall("ERROR", result.stdout)) > 0
  retries       = 1
  delay         = "100ms"
  ignore_errors = true
  changed_when  = false
}

task "shell" "home" {
  on           = group.web
  for_each     = var.users
  script       = "echo ${each.key} on ${self.name}; sleep 0.2"
  changed_when = false
  throttle     = 2
}

task "command" "summary" {
  on           = host.web2
  argv         = ["echo", "web1 says: ${task.home.on.web1["alice"].stdout}"]
  changed_when = false
  tags         = ["report"]
}
