variable "primary" {
  description = "Address of the primary."
}

variable "secondary" {
  description = "Address of the secondary."
}

variable "port" {
  default = 22
}

variable "groups" {
  type = list(string)
}

variable "targets" {
  type = list(string)
}

# Checking goes on with the missing variables unknown: only real errors
# are reported, none that giving the variables would mend.
host "primary" {
  address = var.primary
  port    = var.port
  groups  = ["pair"]
  vars    = { peer = var.secondary }
}

host "secondary" {
  address = var.secondary
  groups  = var.groups
}

task "echo" "a" {
  message = "${var.primary} ${var.secondary}"
}

task "echo" "facts" {
  on      = group.pair
  message = self.vars.peer
}

task "echo" "compare" {
  message = "${task.facts.on.primary.message} ${task.facts.on.secondary.message}"
}

task "echo" "targeted" {
  on      = var.targets
  message = self.address
}

task "echo" "after" {
  message    = task.targeted.on.primary.message
  depends_on = [task.targeted]
}

task "echo" "real_error" {
  message = task.a.no_such_output
}
