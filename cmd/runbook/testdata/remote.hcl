# One task on a host reached over SSH, whose address, port and user come
# from variables.

variable "address" {
  type = string
}

variable "port" {
  type = number
}

variable "user" {
  type = string
}

host "remote" {
  address = var.address
  port    = var.port
  user    = var.user
}

task "command" "whoami" {
  on   = [host.remote]
  argv = ["id", "-un"]
}
