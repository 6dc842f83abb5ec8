task "echo" "a" {
  message = task.c.message
}

task "echo" "b" {
  message = task.a.message
}

task "echo" "c" {
  message = "x"
  depends_on = [task.b]
}
