# Commands whose result conditions decide how they end: a line added to a
# file once, a read that is never a change, an exit status that is not a
# failure, output that is, and a count that retries reach.

variable "dir" {
  type = string
}

task "shell" "add_line" {
  chdir        = var.dir
  script       = "grep -qx hello conf || { echo hello >> conf; echo added; }"
  changed_when = result.stdout == "added"
}

task "command" "has_line" {
  argv         = ["grep", "-c", "hello", "${var.dir}/conf"]
  failed_when  = result.exit_code > 1
  changed_when = false
  depends_on   = [task.add_line]
}

task "command" "missing_line" {
  argv         = ["grep", "-q", "absent", "${var.dir}/conf"]
  failed_when  = result.exit_code > 1
  changed_when = false
  depends_on   = [task.add_line]
}

task "command" "says_error" {
  cmd         = "echo ERROR: disk full"
  failed_when = length(regexall("^ERROR", result.stdout)) > 0
}

task "shell" "counts" {
  chdir        = var.dir
  script       = "echo x >> tries; wc -l < tries"
  failed_when  = tonumber(result.stdout) < 2
  changed_when = false
  until        = tonumber(result.stdout) >= 3
  retries      = 5
  delay        = "0s"
}
