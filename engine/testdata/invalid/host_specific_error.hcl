host "a" {
  vars = { role = "db" }
}
host "b" {}

task "echo" "x" {
  on      = [host.a, host.b]
  message = self.vars.role
}
