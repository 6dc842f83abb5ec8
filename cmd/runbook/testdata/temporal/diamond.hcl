# A diamond over two hosts with cross-host references, a retried step, a
# step skipped by its when, a failure and what it leaves out, and a
# sensitive variable: run in one process and on Temporal, it must end
# the same way.

variable "address" {
  type = string
}

variable "port" {
  type = number
}

variable "user" {
  type = string
}

variable "dir" {
  type = string
}

variable "token" {
  type      = string
  sensitive = true
}

host "a" {
  address = var.address
  port    = var.port
  user    = var.user
}

host "b" {
  address = var.address
  port    = var.port
  user    = var.user
  vars    = { queue = "runbook" }
}

task "command" "top" {
  on   = [host.a]
  argv = ["echo", "top"]
}

task "command" "left" {
  on   = [host.a]
  argv = ["echo", "left-${task.top.stdout}"]
}

task "command" "right" {
  on   = [host.b]
  argv = ["echo", "right-${task.top.on.a.stdout}"]
}

task "command" "bottom" {
  on   = [host.a, host.b]
  argv = ["echo", "${task.left.on.a.stdout}+${task.right.on.b.stdout}"]
}

task "command" "counter" {
  on      = [host.b]
  cmd     = "n=$(cat ${var.dir}/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${var.dir}/count; echo $n"
  retries = 3
  delay   = "0s"
  until   = result.stdout == "3"
}

task "command" "secret" {
  on  = [host.a]
  cmd = "test -n \"$TOKEN\" && echo token-seen"
  env = { TOKEN = var.token }
}

task "command" "never" {
  on   = [host.b]
  when = task.right.stdout == "nope"
  argv = ["echo", "never"]
}

task "command" "broken" {
  on  = [host.b]
  cmd = "echo failing; exit 4"
}

task "command" "after_broken" {
  on   = [host.a]
  argv = ["echo", task.broken.on.b.stdout, task.bottom.stdout]
}
