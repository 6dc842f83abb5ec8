variable "path" {
  type = string
}

task "echo" "write" {
  message = "write ${var.path} on ${self.name}"
}

output "written" {
  value = task.write.message
}
