# A run that fails until the file var.ready exists: first appends a line
# to var.log each time it runs, and after prints what first printed.

variable "log" {
  type = string
}

variable "ready" {
  type = string
}

task "command" "first" {
  argv = ["sh", "-c", "echo ran >> \"$1\"; echo first", "first", var.log]
}

task "command" "check" {
  argv = ["test", "-e", var.ready]
}

task "command" "after" {
  cmd        = "echo after ${task.first.stdout}"
  depends_on = [task.check]
}
