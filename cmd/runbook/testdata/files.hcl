# Copies and templates files to a host reached over SSH, plainly and
# through sudo, and fetches one back. The test passes the host's address,
# port and user, dir (a directory on the host) and fetched (one on the
# control node).

variable "address" {
  type = string
}

variable "port" {
  type = number
}

variable "user" {
  type = string
}

variable "dir" {
  type = string
}

variable "fetched" {
  type = string
}

host "remote" {
  address = var.address
  port    = var.port
  user    = var.user
}

task "copy" "config" {
  on      = [host.remote]
  content = "listen = 8080\n"
  dest    = "${var.dir}/app.conf"
  mode    = "0600"
}

task "copy" "as_root" {
  on      = [host.remote]
  sudo    = true
  content = "written through sudo\n"
  dest    = "${var.dir}/root.conf"
  mode    = "0640"
}

task "template" "motd" {
  on     = [host.remote]
  source = "Welcome to {{ .name }}.\n{{ range .peers }}peer {{ . }}\n{{ end }}"
  vars   = { name = "runbook", peers = ["10.0.0.2", "10.0.0.3"] }
  dest   = "${var.dir}/motd"
}

task "fetch" "config_back" {
  on   = [host.remote]
  src  = task.config.dest
  dest = var.fetched
}

task "assert" "fetched_intact" {
  that = (task.config_back.on.remote.sha256 == task.config.on.remote.sha256 &&
  task.config_back.on.remote.size == task.config.on.remote.size)
  message = "the fetched copy differs from the copied file"
}
