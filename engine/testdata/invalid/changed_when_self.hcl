task "echo" "a" {
  message      = "x"
  changed_when = task.a.message != ""
}
