# A playbook that uses the role in roles/app twice, with different inputs
# and hosts. The role nests the role in roles/conf.

host "web1" {}
host "web2" {}
host "db" {}

role "web" {
  source = "./roles/app"
  on     = [host.web1, host.web2]
  tags   = ["web"]
  name   = "web"
  port   = 8080
}

role "api" {
  source = "./roles/app"
  on     = host.db
  name   = "api"
  port   = 9090
  suffix = "?"
}

task "echo" "after_web" {
  on      = host.web1
  message = role.web.greeting
}

task "echo" "summary" {
  message = jsonencode(merge(role.web.by_host, role.api.by_host))
}
