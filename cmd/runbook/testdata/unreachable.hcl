# A host whose SSH port answers nothing: port 1 of the loopback address.

host "far" {
  address = "127.0.0.1"
  port    = 1
  user    = "nobody"
}

task "command" "remote_hello" {
  on  = [host.far]
  cmd = "echo hello"
}

task "command" "local_hello" {
  cmd = "echo hello"
}
