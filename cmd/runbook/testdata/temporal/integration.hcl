# The integration playbook, over real sshd: 34 tasks on four hosts and the
# local one, with a diamond, a fan-out over a group, cross-host
# references, a step that fails twice before its retries succeed, one
# retried until its output says so, a step skipped by its when, two steps
# that must run at once, and a chain of 20 steps. Run in one process and
# on Temporal, it must end the same way. Its counters live in var.dir.

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

variable "release" {
  type    = string
  default = "v1"
}

locals {
  tag = "rel-${var.release}"
}

host "web1" {
  address = var.address
  port    = var.port
  user    = var.user
  groups  = ["web"]
  vars    = { role = "front" }
}

host "web2" {
  address = var.address
  port    = var.port
  user    = var.user
  groups  = ["web"]
  vars    = { role = "front" }
}

host "db" {
  address = var.address
  port    = var.port
  user    = var.user
  groups  = ["backend"]
  vars    = { role = "primary" }
}

host "cache" {
  address = var.address
  port    = var.port
  user    = var.user
  groups  = ["backend"]
  vars    = { role = "cache" }
}

task "command" "top" {
  argv = ["echo", local.tag]
}

task "command" "left" {
  argv = ["echo", "${task.top.stdout}-L"]
}

task "command" "right" {
  argv = ["echo", "${task.top.stdout}-R"]
}

task "command" "bottom" {
  argv = ["echo", "${task.left.stdout}+${task.right.stdout}"]
}

task "command" "prepare" {
  on   = group.all
  argv = ["echo", "prep ${self.name} ${self.vars.role}"]
}

task "command" "configure" {
  on   = group.web
  argv = ["echo", "${task.prepare.stdout} after ${task.prepare.on.db.stdout}"]
}

task "command" "migrate" {
  on         = host.db
  cmd        = "n=$(cat ${var.dir}/migrate 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${var.dir}/migrate; echo $n; test $n -ge 3"
  retries    = 3
  delay      = "0s"
  depends_on = [task.prepare.on.db]
}

task "command" "warm" {
  on      = host.cache
  cmd     = "n=$(cat ${var.dir}/warm 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${var.dir}/warm; echo $n"
  retries = 5
  delay   = "0s"
  until   = result.stdout == "3"
}

# Each of the two waits for the other to start: they must overlap.
task "command" "meet_a" {
  cmd = "touch ${var.dir}/meet_a; i=0; while [ ! -e ${var.dir}/meet_b ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -e ${var.dir}/meet_b && echo met"
}

task "command" "meet_b" {
  on  = host.db
  cmd = "touch ${var.dir}/meet_b; i=0; while [ ! -e ${var.dir}/meet_a ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -e ${var.dir}/meet_a && echo met"
}

task "command" "skipped" {
  argv = ["echo", "never"]
  when = var.release == "v0"
}

task "command" "after_skip" {
  argv = ["echo", coalesce(task.skipped.stdout, "default")]
}

task "command" "gather" {
  on   = group.web
  argv = ["echo", "${self.name} sees ${task.warm.on.cache.stdout} and ${task.migrate.on.db.stdout}"]
}

task "command" "step00" {
  on   = host.web1
  argv = ["echo", "s"]
}

task "command" "step01" {
  on   = host.web1
  argv = ["echo", "${task.step00.stdout}-1"]
}

task "command" "step02" {
  on   = host.web1
  argv = ["echo", "${task.step01.stdout}-2"]
}

task "command" "step03" {
  on   = host.web1
  argv = ["echo", "${task.step02.stdout}-3"]
}

task "command" "step04" {
  on   = host.web1
  argv = ["echo", "${task.step03.stdout}-4"]
}

task "command" "step05" {
  on   = host.web1
  argv = ["echo", "${task.step04.stdout}-5"]
}

task "command" "step06" {
  on   = host.web1
  argv = ["echo", "${task.step05.stdout}-6"]
}

task "command" "step07" {
  on   = host.web1
  argv = ["echo", "${task.step06.stdout}-7"]
}

task "command" "step08" {
  on   = host.web1
  argv = ["echo", "${task.step07.stdout}-8"]
}

task "command" "step09" {
  on   = host.web1
  argv = ["echo", "${task.step08.stdout}-9"]
}

task "command" "step10" {
  on   = host.web1
  argv = ["echo", "${task.step09.stdout}-10"]
}

task "command" "step11" {
  on   = host.web1
  argv = ["echo", "${task.step10.stdout}-11"]
}

task "command" "step12" {
  on   = host.web1
  argv = ["echo", "${task.step11.stdout}-12"]
}

task "command" "step13" {
  on   = host.web1
  argv = ["echo", "${task.step12.stdout}-13"]
}

task "command" "step14" {
  on   = host.web1
  argv = ["echo", "${task.step13.stdout}-14"]
}

task "command" "step15" {
  on   = host.web1
  argv = ["echo", "${task.step14.stdout}-15"]
}

task "command" "step16" {
  on   = host.web1
  argv = ["echo", "${task.step15.stdout}-16"]
}

task "command" "step17" {
  on   = host.web1
  argv = ["echo", "${task.step16.stdout}-17"]
}

task "command" "step18" {
  on   = host.web1
  argv = ["echo", "${task.step17.stdout}-18"]
}

task "command" "step19" {
  on   = host.web1
  argv = ["echo", "${task.step18.stdout}-19"]
}

task "command" "summary" {
  argv = ["echo", join(" | ", concat([task.bottom.stdout, task.after_skip.stdout, task.step19.on.web1.stdout],
  [for h in ["web1", "web2"] : task.configure.on[h].stdout]))]
}
