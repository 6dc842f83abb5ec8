# Runs on the control node only: one task fails, the task that needs its
# output is skipped, and the independent one succeeds.

task "command" "fine" {
  cmd = "echo fine"
}

task "command" "broken" {
  cmd = "echo working; echo 'first complaint' >&2; echo 'something went wrong' >&2; exit 3"
}

task "command" "after_broken" {
  cmd = "echo ${task.broken.stdout}"
}
