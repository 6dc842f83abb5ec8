# Runs on the control node only, and succeeds: two tasks change
# something, two do not, one is skipped.

variable "greeting" {
  type    = string
  default = "hello"
}

task "command" "greet" {
  cmd = "echo ${var.greeting}"
}

task "command" "shout" {
  argv = ["sh", "-c", "echo \"$1\" | tr a-z A-Z", "shout", task.greet.stdout]
}

task "assert" "shouted" {
  that    = task.shout.stdout == "HELLO"
  message = "The greeting was not shouted."
}

task "command" "already_done" {
  cmd     = "false"
  creates = "/"
}

task "command" "never" {
  cmd  = "false"
  when = false
}
