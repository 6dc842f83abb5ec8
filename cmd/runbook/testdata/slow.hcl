# A task that runs until the file var.release exists, and one that needs
# it.

variable "release" {
  type = string
}

task "command" "wait" {
  argv = ["sh", "-c", "echo waiting; while [ ! -e \"$1\" ]; do sleep 0.05; done; echo released", "wait", var.release]
}

task "command" "after" {
  cmd = "echo after ${task.wait.exit_code}"
}
