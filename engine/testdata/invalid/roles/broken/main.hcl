variable "count" {
  type = number
}

task "echo" "a" {
  message = var.count + 1
  colour  = "red"
}

task "echo" "b" {
  message = task.nope.message
}
