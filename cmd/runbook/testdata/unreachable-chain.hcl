# Two hosts whose SSH port answers nothing (port 1 of the loopback
# address), each with a chain of three tasks: the first fails to connect,
# the two after it are skipped.

host "web1" {
  address = "127.0.0.1"
  port    = 1
  user    = "nobody"
}

host "web2" {
  address = "127.0.0.1"
  port    = 1
  user    = "nobody"
}

task "command" "uname" {
  on  = [host.web1, host.web2]
  cmd = "uname"
}

task "command" "motd" {
  on  = [host.web1, host.web2]
  cmd = "echo ${task.uname.stdout}"
}

task "command" "banner" {
  on  = [host.web1, host.web2]
  cmd = "echo ${task.motd.stdout}"
}
