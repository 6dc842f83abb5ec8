# A pair of hosts reached over SSH, and a task on the primary that works on
# the secondary too, its peer: --limit primary must leave the secondary
# untouched.

variable "user" {
  type = string
}

variable "servers" {
  type        = map(object({ address = string, port = number, key = string }))
  description = "The address, port and key file of each host."
}

host "primary" {
  address       = var.servers.primary.address
  port          = var.servers.primary.port
  user          = var.user
  identity_file = var.servers.primary.key
}

host "secondary" {
  address       = var.servers.secondary.address
  port          = var.servers.secondary.port
  user          = var.user
  identity_file = var.servers.secondary.key
}

task "command" "whoami" {
  on   = host.primary
  argv = ["id", "-un"]
}

task "key_exchange" "keys" {
  on           = host.primary
  peer         = host.secondary
  self_address = host.primary.address
  ssh_user     = var.user
}
