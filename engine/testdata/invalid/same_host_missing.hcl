host "web" {}
host "db" {}

task "echo" "a" {
  on      = host.web
  message = "x"
}

task "echo" "b" {
  on      = host.db
  message = task.a.message
}
