# A command that fails, a task that needs it, and an assertion that fails
# on its own.

task "command" "fails" {
  cmd = "echo boom >&2; exit 3"
}

task "assert" "after" {
  that = task.fails.exit_code == 0
}

task "assert" "independent" {
  that    = false
  message = "independent failure"
}
