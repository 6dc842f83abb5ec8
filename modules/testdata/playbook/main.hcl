# Runs every generic module on the control node. The test passes dir, a
# fresh temporary directory, and port, a loopback port it listens on.

variable "dir" {
  type = string
}

variable "port" {
  type = number
}

task "shell" "prepare" {
  script  = <<-EOT
    set -e
    mkdir -p "${var.dir}/out"
    echo prepared
  EOT
  creates = "${var.dir}/out"
}

task "copy" "config" {
  depends_on = [task.prepare]
  content    = "port = ${var.port}\n"
  dest       = "${var.dir}/out/app.conf"
  mode       = "0600"
}

task "template" "motd" {
  depends_on = [task.prepare]
  source     = file("motd.tmpl")
  vars       = { name = "runbook", port = var.port, peers = ["10.0.0.2", "10.0.0.3"] }
  dest       = "${var.dir}/out/motd"
}

task "command" "checksum" {
  argv = ["sha256sum", task.config.dest]
}

task "assert" "checksum_matches" {
  that            = split(" ", task.checksum.stdout)[0] == task.config.sha256
  message         = "sha256sum and copy disagree about ${task.config.dest}"
  success_message = "checksums agree"
}

task "fetch" "motd_back" {
  src  = task.motd.dest
  dest = "${var.dir}/fetched"
}

task "assert" "fetched_intact" {
  that    = task.motd_back.sha256 == task.motd.sha256 && task.motd_back.size == task.motd.size
  message = "the fetched copy differs from the rendered file"
}

task "wait_for" "service" {
  port   = var.port
  within = "10s"
}
